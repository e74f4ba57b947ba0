// HTTPS through `pointsman serve`: certificates from Secrets chosen by SNI (exact, wildcard,
// default), a broken Secret falling back and reported, redirects from plain HTTP, HSTS, TLS
// versions and ciphers checked with the real openssl and curl, and session resumption.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type TestCa } from '../helpers/tls-certificates.ts';
import { handshake, sendHttps } from '../helpers/tls-client.ts';

const run = promisify(execFile);

/** An Ingress for `host` to Service web, with a TLS entry when `secretName` is given. */
function tlsIngress(
  name: string,
  host: string,
  secretName: string | null,
  annotations: Record<string, string> = {},
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      ...(secretName === null ? {} : { tls: [{ hosts: [host], secretName }] }),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

interface Result {
  kind: string;
  name: string;
  state: string;
  problems: { code: string; message: string }[];
}

describe('pointsman serve over HTTPS', () => {
  let ca: TestCa;
  let echo: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    ca = await createTestCa();
    echo = await startEchoUpstream('web');
    const secure = await ca.issue({ dns: ['secure.example.com'] });
    const apps = await ca.issue({ dns: ['*.apps.example.com'], key: 'rsa' });
    const other = await ca.issue({ dns: ['other.example.com'] });
    const quiet = await ca.issue({ dns: ['quiet.example.com'] });
    dir = await manifestDir();
    await writeManifests(join(dir, 'app.yaml'), [
      INGRESS_CLASS,
      tlsIngress('secure', 'secure.example.com', 'secure-tls'),
      tlsIngress('apps', '*.apps.example.com', 'apps-tls'),
      tlsIngress('broken', 'broken.example.com', 'broken-tls'),
      tlsIngress('quiet', 'quiet.example.com', 'quiet-tls', {
        'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
      }),
      tlsIngress('forced', 'forced.example.com', null, {
        'pointsman.dev/force-ssl-redirect': 'true',
      }),
      ...serviceWithEndpoints('web', [echo.port]),
      tlsSecret('secure-tls', secure),
      tlsSecret('apps-tls', apps),
      // The certificate of one, the key of another.
      tlsSecret('broken-tls', { certPem: secure.certPem, keyPem: other.keyPem }),
      tlsSecret('quiet-tls', quiet),
    ]);
    await writeFile(join(dir, 'ca.pem'), ca.caPem);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await echo.close();
    await ca.close();
  });

  test('SNI picks the exact host certificate, which verifies with the CA', async () => {
    const shown = await handshake(serve.httpsPort, {
      servername: 'secure.example.com',
      ca: ca.caPem,
    });
    assert.equal(shown.cn, 'secure.example.com');
    assert.equal(shown.san, 'DNS:secure.example.com');
    assert.equal(shown.alpn, 'http/1.1');
  });

  test('SNI picks the wildcard certificate for a host one label under it', async () => {
    const shown = await handshake(serve.httpsPort, {
      servername: 'shop.apps.example.com',
      ca: ca.caPem,
    });
    assert.equal(shown.san, 'DNS:*.apps.example.com');
  });

  test('an unknown name, and no SNI at all, get the default certificate', async () => {
    for (const servername of ['unknown.example.com', 'a.b.apps.example.com', undefined]) {
      const shown = await handshake(
        serve.httpsPort,
        servername === undefined ? {} : { servername },
      );
      assert.equal(shown.cn, 'pointsman-default.invalid', String(servername));
      assert.equal(shown.san, 'DNS:pointsman-default.invalid');
    }
  });

  test('a broken Secret: the default certificate, routes up, the reason in the results', async () => {
    const shown = await handshake(serve.httpsPort, { servername: 'broken.example.com' });
    assert.equal(shown.cn, 'pointsman-default.invalid');
    const reply = await sendHttps(serve.httpsPort, { servername: 'broken.example.com' });
    assert.equal(reply.status, 200);
    const plain = await send(serve.httpPort, { headers: { host: 'broken.example.com' } });
    assert.equal(plain.status, 200, 'no usable certificate, so no redirect');
    const response = await fetch(`http://127.0.0.1:${String(serve.adminPort)}/debug/results`);
    const { results } = (await response.json()) as { results: Result[] };
    const secret = results.find((r) => r.kind === 'Secret' && r.name === 'broken-tls');
    assert.equal(secret?.state, 'Rejected');
    assert.equal(secret.problems[0]?.code, 'CertificateKeyMismatch');
    const ingress = results.find((r) => r.kind === 'Ingress' && r.name === 'broken');
    assert.equal(ingress?.state, 'Accepted');
    assert.deepEqual(
      ingress.problems.map((p) => p.code),
      ['CertificateKeyMismatch'],
    );
    const good = results.find((r) => r.kind === 'Secret' && r.name === 'secure-tls');
    assert.equal(good?.state, 'Accepted');
  });

  test('HTTPS requests are routed by Host, carry HSTS and X-Forwarded-Proto https', async () => {
    const reply = await sendHttps(serve.httpsPort, {
      servername: 'secure.example.com',
      ca: ca.caPem,
      path: '/cart?id=1',
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['strict-transport-security'], 'max-age=31536000');
    const echoed = parseEcho(reply.body);
    assert.equal(echoed.url, '/cart?id=1');
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
    assert.equal(echoed.headers['x-forwarded-port'], String(serve.httpsPort));
  });

  test('when SNI and Host differ, SNI picks the certificate and Host the route', async () => {
    const reply = await sendHttps(serve.httpsPort, {
      servername: 'secure.example.com',
      host: 'forced.example.com',
      ca: ca.caPem,
    });
    assert.equal(reply.certificate.cn, 'secure.example.com');
    assert.equal(reply.status, 200);
    assert.equal(parseEcho(reply.body).headers.host, 'forced.example.com');
  });

  test('plain HTTP is redirected with 308 where a certificate is, or where it is forced', async () => {
    const base = `https://secure.example.com:${String(serve.httpsPort)}`;
    const secure = await send(serve.httpPort, {
      path: '/cart?id=1',
      headers: { host: 'secure.example.com' },
    });
    assert.equal(secure.status, 308);
    assert.equal(secure.headers.location, `${base}/cart?id=1`);
    assert.equal(secure.headers['strict-transport-security'], undefined);
    const forced = await send(serve.httpPort, { headers: { host: 'forced.example.com' } });
    assert.equal(forced.status, 308);
    assert.equal(forced.headers.location, `https://forced.example.com:${String(serve.httpsPort)}/`);
    const quiet = await send(serve.httpPort, { headers: { host: 'quiet.example.com' } });
    assert.equal(quiet.status, 200, 'ssl-redirect "false" turns it off');
    const acme = await send(serve.httpPort, {
      path: '/.well-known/acme-challenge/abc',
      headers: { host: 'secure.example.com' },
    });
    assert.equal(acme.status, 200);
    assert.equal(acme.headers['strict-transport-security'], undefined);
  });

  test('TLS 1.0 and 1.1 are refused, TLS 1.2 and 1.3 work (openssl s_client)', async () => {
    const attempt = async (...args: string[]) => {
      try {
        const running = run(
          'openssl',
          [
            's_client',
            '-connect',
            `127.0.0.1:${String(serve.httpsPort)}`,
            '-servername',
            'secure.example.com',
            // Let the client offer old versions and ciphers: the server must refuse them.
            '-cipher',
            'DEFAULT:@SECLEVEL=0',
            ...args,
          ],
          { timeout: 10_000 },
        );
        // s_client keeps the connection until its input ends.
        running.child.stdin?.end();
        const { stdout, stderr } = await running;
        return { ok: true, text: stdout + stderr };
      } catch (error) {
        const failure = error as { stdout?: string; stderr?: string };
        return { ok: false, text: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
      }
    };
    for (const version of ['-tls1', '-tls1_1']) {
      const result = await attempt(version);
      assert.equal(result.ok, false, version);
      assert.match(result.text, /alert protocol version/, version);
    }
    const cbc = await attempt('-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0');
    assert.equal(cbc.ok, false, 'a CBC cipher suite was accepted');
    const tls12 = await attempt('-tls1_2');
    assert.equal(tls12.ok, true, tls12.text);
    assert.match(tls12.text, /Protocol *: TLSv1\.2/);
    assert.match(tls12.text, /Cipher is ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)/);
    const tls13 = await attempt('-tls1_3');
    assert.equal(tls13.ok, true);
    assert.match(tls13.text, /TLSv1\.3/);
  });

  test('curl verifies the certificate with the CA and gets the page', async () => {
    const port = String(serve.httpsPort);
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--cacert',
        join(dir, 'ca.pem'),
        '--resolve',
        `secure.example.com:${port}:127.0.0.1`,
        '-D',
        '-',
        `https://secure.example.com:${port}/hello`,
      ],
      { timeout: 10_000 },
    );
    assert.match(stdout, /^HTTP\/2 200 /, 'curl takes h2 when ALPN offers it');
    assert.match(stdout, /strict-transport-security: max-age=31536000/i);
    assert.match(stdout, /"url":"\/hello"/);
  });

  test('sessions resume with a ticket', async () => {
    const open = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket: TLSSocket = connect({
          host: '127.0.0.1',
          port: serve.httpsPort,
          servername: 'secure.example.com',
          ca: ca.caPem,
          maxVersion: 'TLSv1.2',
          ...(session === undefined ? {} : { session }),
        });
        socket.once('secureConnect', () => {
          const result = { reused: socket.isSessionReused(), session: socket.getSession() };
          socket.end();
          resolve(result);
        });
        socket.once('error', reject);
      });
    const first = await open();
    assert.equal(first.reused, false);
    assert.ok(first.session);
    const second = await open(first.session);
    assert.equal(second.reused, true);
  });
});
