// proxy-ssl-* through `pointsman serve`: an HTTPS backend on 127.0.0.1 whose certificate comes
// from one CA and which requires a client certificate from another. With proxy-ssl-verify on,
// the right ca.crt and name pass (and the backend sees pointsman's client certificate and the
// name sent in SNI); another CA, or a name the certificate does not have, gets 502
// PM_ERR_UPSTREAM_TLS; a Secret without a client certificate is refused by the backend.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, type IssuedCertificate, type TestCa } from '../helpers/tls-certificates.ts';

const HTTPS = { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' };

function proxySslSecret(
  name: string,
  material: { readonly caPem?: string; readonly client?: IssuedCertificate },
): object {
  const data: Record<string, string> = {};
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  if (material.caPem !== undefined) data['ca.crt'] = b64(material.caPem);
  if (material.client !== undefined) {
    data['tls.crt'] = b64(material.client.certPem);
    data['tls.key'] = b64(material.client.keyPem);
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data };
}

function verified(secret: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    ...HTTPS,
    'nginx.ingress.kubernetes.io/proxy-ssl-secret': `default/${secret}`,
    'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'on',
    ...more,
  };
}

describe('serve: proxy-ssl annotations', () => {
  let upstreamCa: TestCa;
  let otherCa: TestCa;
  let clientCa: TestCa;
  let backend: Server;
  let h2Backend: Http2SecureServer;
  let serve: ServeProcess;

  before(async () => {
    [upstreamCa, otherCa, clientCa] = await Promise.all([
      createTestCa(),
      createTestCa(),
      createTestCa(),
    ]);
    const server = await upstreamCa.issue({
      dns: ['api.internal', 'secure.default.svc', 'secure-h2.default.svc'],
    });
    const client = await clientCa.issue({ dns: ['pointsman.client'], clientAuth: true });
    const tls = {
      cert: server.certPem,
      key: server.keyPem,
      ca: clientCa.caPem,
      requestCert: true,
      rejectUnauthorized: true,
    };
    // What the backend saw of pointsman's handshake: its client certificate and the SNI name.
    const seen = (socket: unknown): string => {
      if (!(socket instanceof TLSSocket)) throw new Error('a request over TLS has a TLS socket');
      const peer = socket.getPeerCertificate();
      return JSON.stringify({ client: peer.subject.CN, sni: socket.servername || null });
    };
    backend = createServer(tls, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(seen(req.socket));
    });
    // A WebSocket-style upgrade: the 101's header says who connected.
    backend.on('upgrade', (req, socket) => {
      socket.end(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen: ${seen(req.socket)}\r\n\r\n`,
      );
    });
    h2Backend = createSecureServer(tls, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(seen(req.stream.session?.socket));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => h2Backend.listen(0, '127.0.0.1', resolve));
    const port = (backend.address() as AddressInfo).port;
    const h2Port = (h2Backend.address() as AddressInfo).port;
    const site = (name: string, annotations: Record<string, string>, service = 'secure'): object =>
      ingressWith({
        name,
        hosts: [`${name}.example.com`],
        paths: [{ path: '/', service }],
        annotations,
      });
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      site(
        'named',
        verified('right', {
          'nginx.ingress.kubernetes.io/proxy-ssl-name': 'api.internal',
          'nginx.ingress.kubernetes.io/proxy-ssl-server-name': 'on',
        }),
      ),
      site('service-name', verified('right')),
      site('wrong-ca', verified('wrong')),
      site(
        'mismatch',
        verified('right', { 'nginx.ingress.kubernetes.io/proxy-ssl-name': 'db.internal' }),
      ),
      site('no-client', verified('ca-only')),
      site('missing', verified('nowhere')),
      site('unverified', {
        ...HTTPS,
        'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'default/wrong',
      }),
      site(
        'grpcs',
        {
          ...verified('right'),
          'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS',
        },
        'secure-h2',
      ),
      site(
        'grpcs-wrong-ca',
        {
          ...verified('wrong'),
          'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS',
        },
        'secure-h2',
      ),
      proxySslSecret('right', { caPem: upstreamCa.caPem, client }),
      proxySslSecret('wrong', { caPem: otherCa.caPem, client }),
      proxySslSecret('ca-only', { caPem: upstreamCa.caPem }),
      ...serviceWithEndpoints('secure', [port]),
      ...serviceWithEndpoints('secure-h2', [h2Port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
    await new Promise((resolve) => h2Backend.close(resolve));
    await Promise.all([upstreamCa.close(), otherCa.close(), clientCa.close()]);
  });

  const get = (name: string) =>
    send(serve.httpPort, { path: '/', headers: { host: `${name}.example.com` } });

  test('verify on, the right CA and name: 200, with the client certificate and the name in SNI', async () => {
    const reply = await get('named');
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), { client: 'pointsman.client', sni: 'api.internal' });
  });

  test('without proxy-ssl-name the Service name is verified, and sent in SNI', async () => {
    const reply = await get('service-name');
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), {
      client: 'pointsman.client',
      sni: 'secure.default.svc',
    });
  });

  test('a ca.crt that did not issue the upstream certificate: 502 PM_ERR_UPSTREAM_TLS', async () => {
    const reply = await get('wrong-ca');
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_TLS');
  });

  test('a proxy-ssl-name the certificate does not have: 502 PM_ERR_UPSTREAM_TLS', async () => {
    const reply = await get('mismatch');
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_TLS');
  });

  test('verify off (the default): the same wrong ca.crt is not checked, the client certificate is sent', async () => {
    const reply = await get('unverified');
    assert.equal(reply.status, 200, reply.body);
    assert.equal((JSON.parse(reply.body) as { client: string }).client, 'pointsman.client');
  });

  test('GRPCS (HTTP/2 over TLS): verified, with the client certificate; the wrong CA is 502', async () => {
    const reply = await get('grpcs');
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), {
      client: 'pointsman.client',
      sni: 'secure-h2.default.svc',
    });
    const refused = await get('grpcs-wrong-ca');
    assert.equal(refused.status, 502);
    assert.equal(refused.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_TLS');
  });

  test('an upgrade goes over the same verified TLS, with the client certificate', async () => {
    const upgrade = (host: string): string =>
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`;
    const ok = parseRawResponse(await sendRaw(serve.httpPort, upgrade('named.example.com')));
    assert.equal(ok.status, 101);
    assert.deepEqual(JSON.parse(ok.headers.get('x-seen') ?? '{}'), {
      client: 'pointsman.client',
      sni: 'api.internal',
    });
    const refused = parseRawResponse(
      await sendRaw(serve.httpPort, upgrade('wrong-ca.example.com')),
    );
    assert.equal(refused.status, 502);
  });

  test('a Secret without tls.crt sends no client certificate: the backend refuses, 502', async () => {
    const reply = await get('no-client');
    assert.equal(reply.status, 502);
  });

  test('a Secret that does not exist: 503, never an unverified connection', async () => {
    const reply = await get('missing');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_BACKEND_UNRESOLVED');
  });
});
