// TLS passthrough through `pointsman serve --enable-ssl-passthrough`: a host whose Ingress asks
// for ssl-passthrough reaches a TLS backend undecrypted (the client sees the backend's own
// certificate and speaks HTTP to it end to end, curl included, with its ClientHello split over
// many TCP reads too); another host on the same port is still terminated by pointsman with its
// Secret's certificate; a passthrough host without a ready endpoint is closed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { connect as connectTcp, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
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

function hostIngress(
  name: string,
  host: string,
  service: string,
  options: { secretName?: string; passthrough?: boolean } = {},
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: 'default',
      annotations:
        options.passthrough === true
          ? { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' }
          : {},
    },
    spec: {
      ...(options.secretName === undefined
        ? {}
        : { tls: [{ hosts: [host], secretName: options.secretName }] }),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function fingerprintOf(certificate: IssuedCertificate): string {
  return new X509Certificate(certificate.certPem).fingerprint256;
}

/** A TLS backend that answers every request with where it was reached and for which Host. */
async function startTlsBackend(certificate: IssuedCertificate): Promise<Server> {
  const server = createServer(
    { cert: certificate.certPem, key: certificate.keyPem },
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ backend: 'tls-backend', host: req.headers.host, url: req.url }));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * A connection to 127.0.0.1:port whose first write (the ClientHello) goes out a few bytes at a
 * time, each in its own TCP segment, so that the listener reads it in many pieces.
 */
function trickleSocket(port: number): Duplex {
  const raw = connectTcp({ host: '127.0.0.1', port, noDelay: true });
  let first = true;
  const duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (!first) {
        raw.write(chunk, callback);
        return;
      }
      first = false;
      void (async () => {
        for (let at = 0; at < chunk.length; at += 5) {
          await new Promise<void>((resolve) => {
            raw.write(chunk.subarray(at, at + 5), () => {
              resolve();
            });
          });
          await new Promise((resolve) => setImmediate(resolve));
        }
        callback();
      })();
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(error, callback) {
      raw.destroy();
      callback(error);
    },
  });
  raw.on('data', (data: Buffer) => {
    if (!duplex.push(data)) raw.pause();
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', (error) => duplex.destroy(error));
  return duplex;
}

describe('pointsman serve --enable-ssl-passthrough', () => {
  let ca: TestCa;
  let backendCertificate: IssuedCertificate;
  let terminatedCertificate: IssuedCertificate;
  let backend: Server;
  let echo: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    ca = await createTestCa();
    backendCertificate = await ca.issue({ dns: ['pass.example.com'] });
    terminatedCertificate = await ca.issue({ dns: ['term.example.com'] });
    backend = await startTlsBackend(backendCertificate);
    echo = await startEchoUpstream('web');
    const dir = await manifestDir();
    await writeManifests(join(dir, 'app.yaml'), [
      INGRESS_CLASS,
      hostIngress('pass', 'pass.example.com', 'secure', { passthrough: true }),
      hostIngress('term', 'term.example.com', 'web', { secretName: 'term-tls' }),
      hostIngress('empty', 'empty.example.com', 'nobody', { passthrough: true }),
      ...serviceWithEndpoints('secure', [(backend.address() as AddressInfo).port]),
      ...serviceWithEndpoints('web', [echo.port]),
      ...serviceWithEndpoints('nobody', []),
      tlsSecret('term-tls', terminatedCertificate),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--enable-ssl-passthrough']);
  });

  after(async () => {
    await serve.stop();
    backend.close();
    await echo.close();
    await ca.close();
  });

  test('a passthrough host gets the backend own certificate, and HTTP over it reaches the backend', async () => {
    const seen = await handshake(serve.httpsPort, { servername: 'pass.example.com', ca: ca.caPem });
    assert.equal(seen.fingerprint, fingerprintOf(backendCertificate));
    const reply = await sendHttps(serve.httpsPort, {
      servername: 'pass.example.com',
      ca: ca.caPem,
      path: '/hello?x=1',
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.certificate.fingerprint, fingerprintOf(backendCertificate));
    assert.deepEqual(JSON.parse(reply.body), {
      backend: 'tls-backend',
      host: 'pass.example.com',
      url: '/hello?x=1',
    });
    // pointsman's HSTS header is never added: it never sees the HTTP.
    assert.equal(reply.headers['strict-transport-security'], undefined);
  });

  test('another host on the same port is terminated by pointsman with its Secret', async () => {
    const reply = await sendHttps(serve.httpsPort, {
      servername: 'term.example.com',
      ca: ca.caPem,
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.certificate.fingerprint, fingerprintOf(terminatedCertificate));
    assert.equal(parseEcho(reply.body).name, 'web');
    // No SNI at all: pointsman's default certificate, as before.
    const bare = await handshake(serve.httpsPort);
    assert.notEqual(bare.fingerprint, fingerprintOf(backendCertificate));
  });

  test('a ClientHello that arrives in many small TCP reads is read whole', async () => {
    const socket = connect({
      socket: trickleSocket(serve.httpsPort),
      servername: 'pass.example.com',
      ca: ca.caPem,
    });
    const [fingerprint] = await new Promise<[string]>((resolve, reject) => {
      socket.once('secureConnect', () => {
        resolve([socket.getPeerCertificate().fingerprint256]);
      });
      socket.once('error', reject);
    });
    socket.destroy();
    assert.equal(fingerprint, fingerprintOf(backendCertificate));
  });

  test('curl reaches the passthrough backend', async () => {
    const port = String(serve.httpsPort);
    const { stdout } = await run('curl', [
      '--silent',
      '--show-error',
      '--max-time',
      '10',
      '-k',
      '--resolve',
      `pass.example.com:${port}:127.0.0.1`,
      `https://pass.example.com:${port}/curl`,
    ]);
    assert.deepEqual(JSON.parse(stdout), {
      backend: 'tls-backend',
      host: `pass.example.com:${port}`,
      url: '/curl',
    });
  });

  test('a passthrough host without a ready endpoint is closed before any handshake', async () => {
    await assert.rejects(
      handshake(serve.httpsPort, { servername: 'empty.example.com', timeoutMs: 5_000 }),
      (error: Error) => !/timed out/.test(error.message),
    );
  });
});
