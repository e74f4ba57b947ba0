// Client certificates (auth-tls-*) through `pointsman serve`, with curl --cert/--key, node:tls
// clients and `openssl s_client`. A CA made with `openssl ca` issues alice, bob and a revoked
// certificate (listed in its CRL); another CA issues mallory. Hosts: mtls (on, certificate
// passed upstream), optional, nocert (optional, no spec.tls: the default certificate), cn
// (match-cn), errpage (auth-tls-error-page), broken (a Secret without ca.crt), plain (no rules).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createClientCa, type ClientCa, type ClientCertificate } from '../helpers/client-ca.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type TestCa } from '../helpers/tls-certificates.ts';

const run = promisify(execFile);
const A = 'nginx.ingress.kubernetes.io';
const HOSTS = [
  'mtls',
  'optional',
  'nocert',
  'cn',
  'errpage',
  'broken',
  'plain',
  'depth1',
  'depth2',
  'sent',
].map((name) => `${name}.example.com`);

function site(name: string, annotations: Record<string, string>, tls = true): object {
  const host = `${name}.example.com`;
  const ingress = ingressWith({
    name,
    hosts: [host],
    paths: [{ path: '/', service: 'echo' }],
    annotations: { [`${A}/ssl-redirect`]: 'false', ...annotations },
  }) as { spec: Record<string, unknown> };
  if (tls) ingress.spec['tls'] = [{ hosts: [host], secretName: 'site-tls' }];
  return ingress;
}

function caSecret(name: string, data: Record<string, string>): object {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: encoded,
  };
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

describe('serve: client certificates (auth-tls-*)', () => {
  let clientCa: ClientCa;
  let otherCa: ClientCa;
  let serverCa: TestCa;
  let alice: ClientCertificate;
  let bob: ClientCertificate;
  let revoked: ClientCertificate;
  let mallory: ClientCertificate;
  let carol: ClientCertificate;
  let dave: ClientCertificate;
  let echo: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    [clientCa, otherCa, serverCa, echo] = await Promise.all([
      createClientCa('pointsman client CA'),
      createClientCa('another CA'),
      createTestCa(),
      startEchoUpstream(),
    ]);
    alice = await clientCa.issue('/O=Example/CN=alice');
    bob = await clientCa.issue('/O=Example/CN=bob');
    revoked = await clientCa.issue('/O=Example/CN=revoked');
    await clientCa.revoke(revoked);
    mallory = await otherCa.issue('/O=Example/CN=alice');
    // carol: one intermediate CA between her and the root; dave: two.
    const first = await clientCa.intermediate('intermediate 1');
    const second = await first.intermediate('intermediate 2');
    carol = await first.issue('/CN=carol');
    dave = await second.issue('/CN=dave');
    const bundle = clientCa.caPem + first.caPem + second.caPem;
    const server = await serverCa.issue({ dns: HOSTS });
    const on = { [`${A}/auth-tls-secret`]: 'default/client-ca' };
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      site('mtls', { ...on, [`${A}/auth-tls-pass-certificate-to-upstream`]: 'true' }),
      site('optional', { ...on, [`${A}/auth-tls-verify-client`]: 'optional' }),
      site('nocert', { ...on, [`${A}/auth-tls-verify-client`]: 'optional' }, false),
      site('cn', { ...on, [`${A}/auth-tls-match-cn`]: 'CN=alice(,|$)' }),
      site('errpage', { ...on, [`${A}/auth-tls-error-page`]: 'https://login.example.com/cert' }),
      site('broken', { [`${A}/auth-tls-secret`]: 'default/no-ca' }),
      site('plain', {}),
      site('depth1', { [`${A}/auth-tls-secret`]: 'default/bundle' }),
      site('depth2', {
        [`${A}/auth-tls-secret`]: 'default/bundle',
        [`${A}/auth-tls-verify-depth`]: '2',
      }),
      tlsSecret('site-tls', server),
      caSecret('client-ca', { 'ca.crt': clientCa.caPem, 'ca.crl': await clientCa.crl() }),
      caSecret('no-ca', { 'tls.crt': 'not a CA' }),
      // No CRL: with one, OpenSSL wants the CRL of every CA of the chain, as nginx's ssl_crl.
      caSecret('root-only', { 'ca.crt': clientCa.caPem }),
      caSecret('bundle', { 'ca.crt': bundle }),
      site('sent', { [`${A}/auth-tls-secret`]: 'default/root-only' }),
      ...serviceWithEndpoints('echo', [echo.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await echo.close();
    await Promise.all([clientCa.close(), otherCa.close(), serverCa.close()]);
  });

  /** One request by curl over HTTPS, SNI and Host `host`, with a client certificate or none. */
  const curl = async (
    host: string,
    certificate?: ClientCertificate,
    more: string[] = [],
  ): Promise<Reply> => {
    const port = String(serve.httpsPort);
    const { stdout } = await run('curl', [
      '-sk',
      '--max-time',
      '10',
      '-D',
      '-',
      '--resolve',
      `${host}:${port}:127.0.0.1`,
      ...(certificate === undefined
        ? []
        : ['--cert', certificate.certFile, '--key', certificate.keyFile]),
      ...more,
      `https://${host}:${port}/`,
    ]);
    return parseCurl(stdout);
  };

  /** One request by node:https: SNI `servername`, Host `host`. */
  const send = (
    servername: string,
    host: string,
    certificate?: ClientCertificate,
  ): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: serve.httpsPort,
          path: '/',
          servername,
          headers: { host },
          rejectUnauthorized: false,
          agent: false,
          timeout: 10_000,
          ...(certificate === undefined
            ? {}
            : { cert: certificate.certPem, key: certificate.keyPem }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });

  test('verify on: no certificate is 400 PM_ERR_CLIENT_CERTIFICATE_REQUIRED', async () => {
    const reply = await curl('mtls.example.com');
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_REQUIRED');
    assert.equal(echo.requests, 0);
  });

  test('a certificate of another CA is 400 PM_ERR_CLIENT_CERTIFICATE_INVALID', async () => {
    const reply = await curl('mtls.example.com', mallory);
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_INVALID');
  });

  test('a revoked certificate (ca.crl) is 400', async () => {
    const reply = await curl('mtls.example.com', revoked);
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_INVALID');
  });

  test('a good certificate passes, with the ssl-client-* headers upstream (forged ones replaced)', async () => {
    const reply = await curl('mtls.example.com', alice, [
      '-H',
      'ssl-client-verify: FORGED',
      '-H',
      'ssl-client-subject-dn: CN=admin',
    ]);
    assert.equal(reply.status, 200);
    const seen = parseEcho(reply.body).headers;
    assert.equal(seen['ssl-client-verify'], 'SUCCESS');
    assert.equal(seen['ssl-client-subject-dn'], 'CN=alice,O=Example');
    // What OpenSSL itself prints in RFC 2253 form, as nginx's $ssl_client_s_dn.
    const { stdout } = await run('openssl', [
      'x509',
      '-in',
      alice.certFile,
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    assert.equal(stdout.trim(), `subject=${seen['ssl-client-subject-dn'] ?? ''}`);
    assert.equal(seen['ssl-client-issuer-dn'], 'CN=pointsman client CA');
    const pem = decodeURIComponent(String(seen['ssl-client-cert']));
    assert.equal(pem.trim(), alice.certPem.trim());
  });

  test('optional: no certificate passes with ssl-client-verify NONE; a bad one is 400', async () => {
    const none = await curl('optional.example.com', undefined, [
      '-H',
      'ssl-client-verify: SUCCESS',
    ]);
    assert.equal(none.status, 200);
    const seen = parseEcho(none.body).headers;
    assert.equal(seen['ssl-client-verify'], 'NONE');
    assert.equal(seen['ssl-client-cert'], undefined, 'not passed without the annotation');
    const bad = await curl('optional.example.com', mallory);
    assert.equal(bad.status, 400);
    const good = await curl('optional.example.com', bob);
    assert.equal(parseEcho(good.body).headers['ssl-client-verify'], 'SUCCESS');
  });

  test('a host without spec.tls asks on the default certificate', async () => {
    const good = await curl('nocert.example.com', alice);
    assert.equal(good.status, 200);
    assert.equal(parseEcho(good.body).headers['ssl-client-verify'], 'SUCCESS');
    const bad = await curl('nocert.example.com', mallory);
    assert.equal(bad.status, 400);
  });

  test('match-cn: another subject is 403 PM_ERR_CLIENT_CERTIFICATE_FORBIDDEN', async () => {
    const bobReply = await curl('cn.example.com', bob);
    assert.equal(bobReply.status, 403);
    assert.equal(bobReply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_FORBIDDEN');
    assert.equal((await curl('cn.example.com', alice)).status, 200);
    // Same subject, untrusted CA: verification comes first.
    assert.equal((await curl('cn.example.com', mallory)).status, 400);
  });

  test('verify depth counts the intermediate CAs, as nginx ssl_verify_depth', async () => {
    const one = await curl('depth1.example.com', carol);
    assert.equal(one.status, 200, 'depth 1 (the default): one intermediate passes');
    assert.equal(parseEcho(one.body).headers['ssl-client-issuer-dn'], 'CN=intermediate 1');
    const two = await curl('depth1.example.com', dave);
    assert.equal(two.status, 400, 'depth 1: two intermediates are too many');
    assert.equal(two.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_INVALID');
    assert.equal((await curl('depth2.example.com', dave)).status, 200);
    assert.equal((await curl('depth2.example.com', alice)).status, 200);
    // Intermediates the client sends (the bundle has only the root) verify; depth counts
    // them as one, since Node does not show a server the chain sent (docs/annotations.md).
    const sent = await curl('sent.example.com', carol);
    assert.equal(sent.status, 200);
    assert.equal(parseEcho(sent.body).headers['ssl-client-verify'], 'SUCCESS');
  });

  test('auth-tls-error-page: a failure redirects there', async () => {
    const reply = await curl('errpage.example.com');
    assert.equal(reply.status, 302);
    assert.equal(reply.headers['location'], 'https://login.example.com/cert');
    assert.equal((await curl('errpage.example.com', alice)).status, 200);
  });

  test('a connection set up for another name is 421, even with a good certificate', async () => {
    const other = await send('plain.example.com', 'mtls.example.com', alice);
    assert.equal(other.status, 421);
    assert.equal(other.headers['x-pointsman-error'], 'PM_ERR_MISDIRECTED_REQUEST');
    const sibling = await send('optional.example.com', 'mtls.example.com', alice);
    assert.equal(sibling.status, 421);
    const none = await send('', 'mtls.example.com', alice);
    assert.equal(none.status, 421);
    // And the right name, for contrast.
    assert.equal((await send('mtls.example.com', 'mtls.example.com', alice)).status, 200);
    // Mixed case and a trailing dot are the same name.
    assert.equal((await send('MTLS.example.com', 'mtls.example.com.', alice)).status, 200);
  });

  test('an HTTP/2 connection is not reused for a host with other rules (421)', async () => {
    const session = connectHttp2(`https://127.0.0.1:${String(serve.httpsPort)}`, {
      servername: 'mtls.example.com',
      rejectUnauthorized: false,
      cert: alice.certPem,
      key: alice.keyPem,
    });
    try {
      const status = (authority: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const stream = session.request({ ':authority': authority, ':path': '/' });
          let code = 0;
          stream.on('response', (headers) => {
            code = Number(headers[':status']);
          });
          stream.on('data', () => undefined);
          stream.on('end', () => {
            resolve(code);
          });
          stream.on('error', reject);
          stream.end();
        });
      assert.equal(await status('mtls.example.com'), 200);
      // Coalescing: the same connection (and its certificate) for other names of the cert.
      assert.equal(await status('cn.example.com'), 421);
      assert.equal(await status('optional.example.com'), 421);
      // A host without rules has nothing to check: its requests pass on any connection.
      assert.equal(await status('plain.example.com'), 200);
    } finally {
      session.close();
    }
  });

  test('plain HTTP to a client-certificate host counts as no certificate', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '--max-time',
      '10',
      '-D',
      '-',
      '-H',
      'host: mtls.example.com',
      '-H',
      'ssl-client-verify: SUCCESS',
      `http://127.0.0.1:${String(serve.httpPort)}/`,
    ]);
    const reply = parseCurl(stdout);
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_REQUIRED');
  });

  test('only hosts with rules send a CertificateRequest', async () => {
    const messages = async (servername: string): Promise<string> => {
      const { stdout } = await run(
        'sh',
        [
          '-c',
          `openssl s_client -connect 127.0.0.1:${String(serve.httpsPort)} -servername ${servername} -msg </dev/null 2>&1 || true`,
        ],
        { timeout: 10_000 },
      );
      return stdout;
    };
    const plain = await messages('plain.example.com');
    assert.match(plain, /ServerHello/);
    assert.doesNotMatch(plain, /CertificateRequest/);
    assert.match(await messages('mtls.example.com'), /CertificateRequest/);
    assert.doesNotMatch(await messages('unknown.example.com'), /CertificateRequest/);
  });

  test('a Secret without ca.crt fails closed: 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED', async () => {
    const reply = await curl('broken.example.com', alice);
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
  });

  test('bypass attempts on the path do not skip the host rule', async () => {
    for (const path of ['//admin', '/admin/../admin', '/%2e/admin', '/ADMIN']) {
      const port = String(serve.httpsPort);
      const { stdout } = await run('curl', [
        '-sk',
        '--path-as-is',
        '--max-time',
        '10',
        '-D',
        '-',
        '--resolve',
        `mtls.example.com:${port}:127.0.0.1`,
        `https://mtls.example.com:${port}${path}`,
      ]);
      const status = parseCurl(stdout).status;
      assert.ok(status === 400, `${path}: ${String(status)}`);
    }
  });
});

/** The last response of curl's -D - output (headers, blank line, body). */
function parseCurl(text: string): Reply {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(split + 4) };
}
