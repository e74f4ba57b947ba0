// The host-rules scenario of the Ingress conformance suite (features/host_rules.feature) over
// HTTPS: the golden manifests, with the TLS Secret holding a real certificate for foo.bar.com
// from a test CA and the EndpointSlices replaced by echo servers named after their Service.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { manifestDir, writeManifests } from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type TestCa } from '../helpers/tls-certificates.ts';
import { sendHttps } from '../helpers/tls-client.ts';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { ports?: { name?: string }[] };
}

describe('conformance: host rules over HTTPS', () => {
  let ca: TestCa;
  let serve: ServeProcess;
  const upstreams: EchoUpstream[] = [];

  before(async () => {
    ca = await createTestCa();
    const certificate = await ca.issue({ dns: ['foo.bar.com'] });
    const text = await readFile('test/golden/translate/conformance-host-rules.in.yaml', 'utf8');
    const objects: object[] = [];
    for (const doc of parseAllDocuments(text).map((d) => d.toJSON() as Doc)) {
      if (doc.kind === 'EndpointSlice') continue;
      if (doc.kind === 'Secret') {
        objects.push(tlsSecret(doc.metadata.name, certificate, doc.metadata.namespace));
        continue;
      }
      objects.push(doc);
      if (doc.kind !== 'Service') continue;
      const upstream = await startEchoUpstream(doc.metadata.name);
      upstreams.push(upstream);
      const portName = doc.spec?.ports?.[0]?.name;
      objects.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${doc.metadata.name}-0`,
          namespace: doc.metadata.namespace,
          labels: { 'kubernetes.io/service-name': doc.metadata.name },
        },
        addressType: 'IPv4',
        ports: [{ ...(portName === undefined ? {} : { name: portName }), port: upstream.port }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      });
    }
    const dir = await manifestDir();
    await writeManifests(join(dir, 'scenario.yaml'), objects);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
    await ca.close();
  });

  test('https://foo.bar.com: verified certificate from the Secret, 200 from foo-bar-com', async () => {
    const reply = await sendHttps(serve.httpsPort, { servername: 'foo.bar.com', ca: ca.caPem });
    assert.equal(reply.certificate.san, 'DNS:foo.bar.com');
    assert.equal(reply.status, 200);
    const echoed = parseEcho(reply.body);
    assert.equal(echoed.name, 'foo-bar-com');
    assert.equal(echoed.headers.host, 'foo.bar.com');
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
  });

  test('https://bar.foo.com: the default certificate (no TLS for it), routed to the wildcard', async () => {
    const reply = await sendHttps(serve.httpsPort, { servername: 'bar.foo.com' });
    assert.equal(reply.certificate.cn, 'pointsman-default.invalid');
    assert.equal(reply.status, 200);
    assert.equal(parseEcho(reply.body).name, 'wildcard-foo-com');
  });

  test('https to hosts without a rule: 404', async () => {
    for (const host of ['subdomain.bar.com', 'baz.bar.foo.com', 'foo.com']) {
      const reply = await sendHttps(serve.httpsPort, { servername: host });
      assert.equal(reply.status, 404, host);
    }
  });

  test('http://foo.bar.com now redirects to HTTPS, since the host has a certificate', async () => {
    const reply = await send(serve.httpPort, { headers: { host: 'foo.bar.com' } });
    assert.equal(reply.status, 308);
    assert.equal(reply.headers.location, `https://foo.bar.com:${String(serve.httpsPort)}/`);
  });
});
