// Ways around client certificates (auth-tls-*) a review found, through `pointsman serve`: each
// request must be refused and the backend never reached.
// - alias: a server-alias listed in spec.tls with a certificate of its own.
// - wildcard: an exact TLS name (another Ingress's spec.tls, or the same Ingress's) served by the
//   wildcard rule host that has the rules.
// - collide: a second connection from the same source address and port, to another local
//   address, naming another host in its ClientHello.
// - passthrough: ssl-passthrough with auth-tls on the Ingress, or on another Ingress of the host.
// - forged ssl-client-* headers, on hosts with and without rules.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:https';
import { connect as connectTcp, createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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

const A = 'nginx.ingress.kubernetes.io';
const FORGED = {
  'ssl-client-verify': 'SUCCESS',
  'ssl-client-subject-dn': 'CN=admin',
  'ssl-client-issuer-dn': 'CN=forged',
  'ssl-client-cert': 'forged',
};

function ingress(
  name: string,
  hosts: string[],
  tls: string[],
  annotations: Record<string, string>,
  service = 'echo',
  path = '/',
): object {
  const object = ingressWith({
    name,
    hosts,
    paths: [{ path, service }],
    annotations: { [`${A}/ssl-redirect`]: 'false', ...annotations },
  }) as { spec: Record<string, unknown> };
  if (tls.length > 0) object.spec['tls'] = [{ hosts: tls, secretName: 'site-tls' }];
  return object;
}

function caSecret(name: string, pem: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { 'ca.crt': Buffer.from(pem).toString('base64') },
  };
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

describe('serve: client-certificate bypasses are refused', () => {
  let caA: ClientCa;
  let caB: ClientCa;
  let serverCa: TestCa;
  let alice: ClientCertificate;
  let bob: ClientCertificate;
  let echo: EchoUpstream;
  let passBackend: HttpsServer;
  let passRequests = 0;
  let serve: ServeProcess;

  before(async () => {
    [caA, caB, serverCa, echo] = await Promise.all([
      createClientCa('CA A'),
      createClientCa('CA B'),
      createTestCa(),
      startEchoUpstream(),
    ]);
    alice = await caA.issue('/O=Example/CN=alice');
    bob = await caB.issue('/O=Example/CN=bob');
    const server = await serverCa.issue({
      dns: [
        'secure.example.com',
        'alias.example.com',
        '*.wild.test',
        'foo.wild.test',
        'both.wild.test',
        'a.example.com',
        'b.example.com',
        'plain.example.com',
        'pass.example.com',
        'pass2.example.com',
      ],
    });
    passBackend = createHttpsServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => {
      passRequests++;
      res.end('passed through');
    });
    passBackend.listen(0, '127.0.0.1');
    await once(passBackend, 'listening');
    const passPort = (passBackend.address() as AddressInfo).port;
    const auth = (ca: string): Record<string, string> => ({ [`${A}/auth-tls-secret`]: ca });
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingress('secure', ['secure.example.com'], ['secure.example.com', 'alias.example.com'], {
        ...auth('default/ca-a'),
        [`${A}/server-alias`]: 'alias.example.com',
      }),
      ingress('wild', ['*.wild.test'], ['*.wild.test', 'both.wild.test'], auth('default/ca-a')),
      ingress('other', ['unrelated.test'], ['foo.wild.test'], {}),
      ingress('a', ['a.example.com'], ['a.example.com'], auth('default/ca-a')),
      ingress('b', ['b.example.com'], ['b.example.com'], auth('default/ca-b')),
      ingress('plain', ['plain.example.com'], ['plain.example.com'], {}),
      ingress(
        'pass',
        ['pass.example.com'],
        [],
        { [`${A}/ssl-passthrough`]: 'true', ...auth('default/ca-a') },
        'secure',
      ),
      ingress('pass2', ['pass2.example.com'], [], { [`${A}/ssl-passthrough`]: 'true' }, 'secure'),
      ingress('pass2-admin', ['pass2.example.com'], [], auth('default/ca-a'), 'echo', '/admin'),
      tlsSecret('site-tls', server),
      caSecret('ca-a', caA.caPem),
      caSecret('ca-b', caB.caPem),
      ...serviceWithEndpoints('echo', [echo.port]),
      ...serviceWithEndpoints('secure', [passPort]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--enable-ssl-passthrough']);
  });

  after(async () => {
    await serve.stop();
    passBackend.close();
    await Promise.all([echo.close(), caA.close(), caB.close(), serverCa.close()]);
  });

  function send(name: string, certificate?: ClientCertificate, path = '/'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: serve.httpsPort,
          path,
          servername: name,
          headers: { host: name, ...FORGED },
          rejectUnauthorized: false,
          agent: false,
          ...(certificate === undefined
            ? {}
            : { cert: certificate.certPem, key: certificate.keyPem }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends a request without a certificate; it must be refused before the echo backend. */
  async function refused(name: string, status = 400, path = '/'): Promise<void> {
    const before = echo.requests;
    const reply = await send(name, undefined, path);
    assert.equal(reply.status, status, `${name}${path}: ${reply.body.slice(0, 200)}`);
    assert.equal(echo.requests, before, `${name}${path} reached the backend`);
  }

  test('a server-alias with a TLS entry of its own asks for the certificate', async () => {
    await refused('secure.example.com');
    await refused('alias.example.com');
    const reply = await send('alias.example.com', alice);
    assert.equal(reply.status, 200);
    const headers = parseEcho(reply.body).headers;
    assert.equal(headers['ssl-client-verify'], 'SUCCESS');
    assert.match(String(headers['ssl-client-subject-dn']), /CN=alice/);
    assert.notEqual(headers['ssl-client-issuer-dn'], 'CN=forged');
    assert.equal(headers['ssl-client-cert'], undefined);
  });

  test('an exact TLS name served by a wildcard rule host gets its rules', async () => {
    await refused('bar.wild.test');
    // Listed in another Ingress's spec.tls, without rules: *.wild.test serves it.
    await refused('foo.wild.test');
    // Listed in the same Ingress's spec.tls.
    await refused('both.wild.test');
    assert.equal((await send('foo.wild.test', alice)).status, 200);
  });

  test('a connection cannot borrow another handshake from the same source port', async () => {
    const port = serve.httpsPort;
    const before = echo.requests;
    // Bind both connections to one free local port, then speak on the first one (to b, with
    // bob's certificate from CA B) for host a, after a second connection from that same port
    // (to 127.0.0.2) sent a ClientHello for a.
    // A free port: a listener's own, closed before any connection (so no TIME_WAIT holds it).
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const localPort = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const raw1 = connectTcp({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort });
    await once(raw1, 'connect');
    const first = connectTls({
      socket: raw1,
      servername: 'b.example.com',
      cert: bob.certPem,
      key: bob.keyPem,
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
    });
    await once(first, 'secureConnect');
    const raw2 = connectTcp({ host: '127.0.0.2', port, localAddress: '127.0.0.1', localPort });
    await once(raw2, 'connect');
    const second: TLSSocket = connectTls({
      socket: raw2,
      servername: 'a.example.com',
      rejectUnauthorized: false,
    });
    await once(second, 'secureConnect');
    first.write('GET / HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    first.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(first, 'end');
    second.destroy();
    const answer = Buffer.concat(chunks).toString();
    assert.match(answer, /^HTTP\/1\.1 421 /);
    assert.equal(echo.requests, before);
  });

  test('ssl-passthrough does not skip client certificates', async () => {
    const before = passRequests;
    // The Ingress's own auth-tls: TLS ends at pointsman, which asks for the certificate.
    await refused('pass.example.com');
    // Another Ingress's auth-tls on the host: not passed through either.
    await refused('pass2.example.com', 400, '/admin');
    assert.equal(passRequests, before);
  });

  test('forged ssl-client-* headers never reach a backend', async () => {
    const reply = await send('plain.example.com');
    assert.equal(reply.status, 200);
    const headers = parseEcho(reply.body).headers;
    for (const name of Object.keys(FORGED)) assert.equal(headers[name], undefined, name);
  });
});
