// HTTPS through `pointsman serve`: certificates from Secrets chosen by SNI (exact, wildcard,
// default), keys in every PEM form, a broken Secret falling back and reported, redirects from
// plain HTTP, HSTS and its flags, TLS versions and ciphers checked with the real openssl and
// curl, and session resumption in TLS 1.2 and 1.3.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
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
import {
  createTestCa,
  tlsSecret,
  type IssuedCertificate,
  type TestCa,
} from '../helpers/tls-certificates.ts';
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

/** A host whose Secret holds its key in one PEM form. */
interface KeyCase {
  readonly form: string;
  readonly host: string;
  /** The PEM header the key must carry, so the case tests the form it names. */
  readonly header: string;
  readonly certificate: IssuedCertificate;
}

function fingerprintOf(certificate: IssuedCertificate): string {
  return new X509Certificate(certificate.certPem).fingerprint256;
}

/** Opens a TLS connection to `port` for secure.example.com, trusting `ca`. */
function openSession(
  port: number,
  ca: string,
  options: {
    readonly version: 'TLSv1.2' | 'TLSv1.3';
    /** Resume this session. */
    readonly session?: Buffer;
    /** Wait for the server's ticket: in TLS 1.3 it comes after the handshake. */
    readonly waitForTicket: boolean;
  },
) {
  return new Promise<{ reused: boolean; protocol: string | null; session: Buffer | null }>(
    (resolve, reject) => {
      const socket: TLSSocket = connect({
        host: '127.0.0.1',
        port,
        servername: 'secure.example.com',
        ca,
        minVersion: options.version,
        maxVersion: options.version,
        ...(options.session === undefined ? {} : { session: options.session }),
      });
      let connected: { reused: boolean; protocol: string | null } | null = null;
      let ticket: Buffer | null = null;
      const settle = () => {
        if (connected === null || (options.waitForTicket && ticket === null)) return;
        socket.setTimeout(0);
        socket.end();
        resolve({ ...connected, session: ticket });
      };
      socket.setTimeout(10_000, () => {
        socket.destroy(new Error(`no ${connected === null ? 'handshake' : 'ticket'} in 10 s`));
      });
      socket.once('session', (session: Buffer) => {
        ticket = session;
        settle();
      });
      socket.once('secureConnect', () => {
        connected = { reused: socket.isSessionReused(), protocol: socket.getProtocol() };
        settle();
      });
      socket.once('error', reject);
    },
  );
}

describe('pointsman serve over HTTPS', () => {
  let ca: TestCa;
  let echo: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;
  let keyCases: KeyCase[];

  before(async () => {
    ca = await createTestCa();
    echo = await startEchoUpstream('web');
    const secure = await ca.issue({ dns: ['secure.example.com'] });
    const apps = await ca.issue({ dns: ['*.apps.example.com'], key: 'rsa' });
    const other = await ca.issue({ dns: ['other.example.com'] });
    const quiet = await ca.issue({ dns: ['quiet.example.com'] });
    const pkcs1 = await ca.issue({ dns: ['pkcs1.example.com'], key: 'rsa', keyFormat: 'pkcs1' });
    const sec1 = await ca.issue({ dns: ['sec1.example.com'], keyFormat: 'sec1' });
    keyCases = [
      {
        form: 'PKCS#1 RSA',
        host: 'pkcs1.example.com',
        header: '-----BEGIN RSA PRIVATE KEY-----',
        certificate: pkcs1,
      },
      {
        form: 'SEC1 EC',
        host: 'sec1.example.com',
        header: '-----BEGIN EC PRIVATE KEY-----',
        certificate: sec1,
      },
      {
        form: 'PKCS#8 EC',
        host: 'secure.example.com',
        header: '-----BEGIN PRIVATE KEY-----',
        certificate: secure,
      },
      {
        form: 'PKCS#8 RSA',
        host: 'shop.apps.example.com',
        header: '-----BEGIN PRIVATE KEY-----',
        certificate: apps,
      },
    ];
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
      tlsIngress('pkcs1', 'pkcs1.example.com', 'pkcs1-tls'),
      tlsIngress('sec1', 'sec1.example.com', 'sec1-tls'),
      ...serviceWithEndpoints('web', [echo.port]),
      tlsSecret('secure-tls', secure),
      tlsSecret('apps-tls', apps),
      // The certificate of one, the key of another.
      tlsSecret('broken-tls', { certPem: secure.certPem, keyPem: other.keyPem }),
      tlsSecret('quiet-tls', quiet),
      tlsSecret('pkcs1-tls', pkcs1),
      tlsSecret('sec1-tls', sec1),
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

  test('keys in PKCS#1, SEC1 and PKCS#8 PEM each serve their certificate', async () => {
    for (const { form, host, header, certificate } of keyCases) {
      assert.ok(certificate.keyPem.startsWith(header), `${form}: the key is not in that form`);
      const reply = await sendHttps(serve.httpsPort, { servername: host, ca: ca.caPem });
      assert.equal(reply.certificate.fingerprint, fingerprintOf(certificate), form);
      assert.equal(reply.status, 200, form);
      assert.equal(parseEcho(reply.body).headers.host, host, form);
    }
  });

  test('a broken Secret: the default certificate, routes up, the reason in the results', async () => {
    const shown = await handshake(serve.httpsPort, { servername: 'broken.example.com' });
    assert.equal(shown.cn, 'pointsman-default.invalid');
    const reply = await sendHttps(serve.httpsPort, { servername: 'broken.example.com' });
    assert.equal(reply.status, 200);
    const plain = await send(serve.httpPort, { headers: { host: 'broken.example.com' } });
    assert.equal(plain.status, 200, 'no usable certificate, so no redirect');
    const response = await fetch(`http://127.0.0.1:${String(serve.statusPort)}/debug/results`);
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

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`sessions resume with a ticket (${version})`, async () => {
      const port = serve.httpsPort;
      const first = await openSession(port, ca.caPem, { version, waitForTicket: true });
      assert.equal(first.reused, false);
      assert.equal(first.protocol, version);
      assert.ok(first.session);
      const second = await openSession(port, ca.caPem, {
        version,
        session: first.session,
        waitForTicket: false,
      });
      assert.equal(second.protocol, version);
      assert.equal(second.reused, true);
    });
  }

  describe('HSTS flags', () => {
    const DIRECTIVES = ['--hsts-include-subdomains', '--hsts-preload'];
    const OFF = ['--hsts', 'off'];
    // Started once for the whole block, side by side; the main process serves the default.
    let running: ServeProcess[] = [];

    before(async () => {
      const started = await Promise.allSettled(
        [DIRECTIVES, OFF].map((flags) =>
          startServeProcess('serve', ['--manifests', dir, ...flags]),
        ),
      );
      running = started.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value] : [],
      );
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    });

    after(async () => {
      await Promise.all(running.map((child) => child.stop()));
    });

    test('one year by default, the directives the flags add, none with --hsts off', async () => {
      const [directives, off] = running;
      assert.ok(directives && off);
      const cases = [
        { flags: 'no flags', port: serve.httpsPort, expected: 'max-age=31536000' },
        {
          flags: DIRECTIVES.join(' '),
          port: directives.httpsPort,
          expected: 'max-age=31536000; includeSubDomains; preload',
        },
        { flags: OFF.join(' '), port: off.httpsPort, expected: undefined },
      ];
      for (const { flags, port, expected } of cases) {
        const reply = await sendHttps(port, { servername: 'secure.example.com', ca: ca.caPem });
        assert.equal(reply.status, 200, flags);
        assert.equal(reply.headers['strict-transport-security'], expected, flags);
        const missing = await sendHttps(port, { servername: 'nowhere.example.com' });
        assert.equal(missing.status, 404, flags);
        assert.equal(missing.headers['strict-transport-security'], expected, `${flags}, on a 404`);
      }
    });
  });
});
