// The client address through `pointsman serve`: PROXY protocol v1 and v2 headers on the HTTP and
// HTTPS listeners (raw sockets, the header before the ClientHello), what the upstream sees in
// X-Forwarded-For and X-Real-IP, the access log, a whitelist-source-range rule that depends on
// the address, forged headers from untrusted peers, and connections without a valid header.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { generateSelfSigned } from '../../src/dataplane/tls/index.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { parseRawResponse, type RawResponse } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const OPEN = 'open.client.test';
const RANGED = 'ranged.client.test';
const PASS = 'pass.client.test';
const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A PROXY v1 line. */
const v1 = (line: string): Buffer => Buffer.from(`${line}\r\n`, 'latin1');

/** A PROXY v2 PROXY (or LOCAL) header over TCP for an IPv4 or IPv6 source. */
function v2(source: string, command: 'proxy' | 'local' = 'proxy'): Buffer {
  const six = source.includes(':');
  const block = Buffer.alloc(six ? 36 : 12);
  if (six) {
    Buffer.from(expand6(source), 'hex').copy(block, 0);
    block[31] = 1; // destination ::1
    block.writeUInt16BE(50_000, 32);
    block.writeUInt16BE(443, 34);
  } else {
    Buffer.from(source.split('.').map(Number)).copy(block, 0);
    Buffer.from([10, 0, 0, 1]).copy(block, 4);
    block.writeUInt16BE(50_000, 8);
    block.writeUInt16BE(443, 10);
  }
  const fixed = Buffer.from([command === 'proxy' ? 0x21 : 0x20, six ? 0x21 : 0x11, 0, 0]);
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([SIGNATURE, fixed, block]);
}

/** `2001:db8::5` as 32 hex digits. */
function expand6(address: string): string {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => group.padStart(4, '0')).join('');
}

/**
 * Opens a TCP connection, writes `prefix` (a PROXY header, or anything), then one HTTP/1.1
 * request, in cleartext or over TLS started after the prefix, and reads until the server
 * closes. Empty text when the server closed without answering. Bounded by 5 s.
 */
async function exchange(
  port: number,
  prefix: Buffer,
  host: string,
  options: { tls?: boolean; headers?: readonly string[] } = {},
): Promise<string> {
  const request = [
    `GET /who HTTP/1.1`,
    `Host: ${host}`,
    ...(options.headers ?? []),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve) => {
    const raw = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => raw.destroy(), 5_000);
    const finish = (): void => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    raw.on('error', () => undefined);
    raw.once('connect', () => {
      if (prefix.length > 0) raw.write(prefix);
      let stream: Socket = raw;
      if (options.tls === true) {
        stream = tlsConnect({ socket: raw, servername: host, rejectUnauthorized: false });
        stream.on('error', () => undefined);
        stream.once('secureConnect', () => stream.write(request));
      } else {
        stream.write(request);
      }
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('close', finish);
    });
  });
}

async function answer(
  port: number,
  prefix: Buffer,
  host: string,
  options: { tls?: boolean; headers?: readonly string[] } = {},
): Promise<RawResponse> {
  return parseRawResponse(await exchange(port, prefix, host, options));
}

function seen(response: RawResponse): { forwardedFor: string; realIp: string } {
  assert.equal(response.status, 200, response.body);
  const echo = parseEcho(response.body);
  return {
    forwardedFor: String(echo.headers['x-forwarded-for']),
    realIp: String(echo.headers['x-real-ip']),
  };
}

describe('serve: client address', () => {
  let echo: EchoUpstream;
  let passBackend: HttpsServer;
  let proxied: ServeProcess;
  let untrustedPeer: ServeProcess;
  let forwarded: ServeProcess;

  before(async () => {
    echo = await startEchoUpstream('who');
    // A TLS backend for a passthrough host: it terminates TLS itself and says so.
    const material = generateSelfSigned({ dnsName: PASS });
    passBackend = createHttpsServer(
      { cert: material.certPem, key: material.keyPem },
      (_req, res) => {
        res.end('passed through');
      },
    );
    passBackend.listen(0, '127.0.0.1');
    await once(passBackend, 'listening');
    const passPort = (passBackend.address() as { port: number }).port;
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({ name: 'open', hosts: [OPEN], paths: [{ path: '/', service: 'who' }] }),
      ingressWith({
        name: 'ranged',
        hosts: [RANGED],
        paths: [{ path: '/', service: 'who' }],
        annotations: { 'nginx.ingress.kubernetes.io/whitelist-source-range': '203.0.113.0/24' },
      }),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'pass',
          namespace: 'default',
          annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
        },
        spec: {
          ingressClassName: 'pointsman',
          rules: [
            {
              host: PASS,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'pass', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      ...serviceWithEndpoints('pass', [passPort]),
      ...serviceWithEndpoints('who', [echo.port]),
    ]);
    const input = ['--manifests', dir];
    [proxied, untrustedPeer, forwarded] = await Promise.all([
      startServeProcess('serve', [
        ...input,
        '--proxy-protocol',
        'http,https',
        '--trusted-proxies',
        '127.0.0.1',
        '--h2c',
        '--enable-ssl-passthrough',
      ]),
      startServeProcess('serve', [
        ...input,
        '--proxy-protocol',
        'http',
        '--trusted-proxies',
        '10.0.0.0/8',
      ]),
      startServeProcess('serve', [
        ...input,
        '--trusted-proxies',
        '127.0.0.1,10.0.0.0/8',
        '--forwarded-for-header',
        'CF-Connecting-IP',
      ]),
    ]);
  });

  after(async () => {
    await Promise.all([proxied.stop(), untrustedPeer.stop(), forwarded.stop()]);
    await echo.close();
    passBackend.closeAllConnections();
    passBackend.close();
  });

  test('TLS passthrough behind a PROXY header: the ClientHello after it is read', async () => {
    const reply = await answer(proxied.httpsPort, v2('203.0.113.70'), PASS, { tls: true });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'passed through');
  });

  test('HTTP, PROXY v1: the header names the client; a forged chain is dropped', async () => {
    const header = v1('PROXY TCP4 203.0.113.7 10.0.0.1 50000 80');
    const reply = seen(
      await answer(proxied.httpPort, header, OPEN, {
        headers: ['X-Forwarded-For: 1.1.1.1', 'X-Real-IP: 1.1.1.1'],
      }),
    );
    assert.deepEqual(reply, { forwardedFor: '203.0.113.7', realIp: '203.0.113.7' });
  });

  test('HTTP, PROXY v2 over IPv6 and IPv4', async () => {
    assert.deepEqual(seen(await answer(proxied.httpPort, v2('2001:db8::5'), OPEN)), {
      forwardedFor: '2001:db8::5',
      realIp: '2001:db8::5',
    });
    assert.deepEqual(seen(await answer(proxied.httpPort, v2('198.51.100.20'), OPEN)), {
      forwardedFor: '198.51.100.20',
      realIp: '198.51.100.20',
    });
  });

  test('HTTPS: the PROXY header precedes the ClientHello, v1 and v2', async () => {
    const one = v1('PROXY TCP4 203.0.113.8 10.0.0.1 50000 443');
    assert.equal(
      seen(await answer(proxied.httpsPort, one, OPEN, { tls: true })).realIp,
      '203.0.113.8',
    );
    const two = seen(await answer(proxied.httpsPort, v2('2001:db8::9'), OPEN, { tls: true }));
    assert.deepEqual(two, { forwardedFor: '2001:db8::9', realIp: '2001:db8::9' });
  });

  test('HTTP/2 over TLS after a PROXY header: the h2 path decides the same way', async () => {
    const session = http2Connect(`https://${OPEN}:${String(proxied.httpsPort)}`, {
      createConnection: () => {
        const raw = connect(proxied.httpsPort, '127.0.0.1');
        raw.write(v2('203.0.113.44'));
        return tlsConnect({
          socket: raw,
          servername: OPEN,
          ALPNProtocols: ['h2'],
          rejectUnauthorized: false,
        });
      },
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/who', ':authority': OPEN });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.once('end', () => {
          resolve(text);
        });
        stream.once('error', reject);
      });
      const echoed = parseEcho(body);
      assert.equal(echoed.headers['x-real-ip'], '203.0.113.44');
      assert.equal(echoed.headers['x-forwarded-for'], '203.0.113.44');
    } finally {
      session.destroy();
    }
  });

  test('h2c (prior knowledge) after a PROXY header', async () => {
    const session = http2Connect(`http://${OPEN}:${String(proxied.httpPort)}`, {
      createConnection: () => {
        const raw = connect(proxied.httpPort, '127.0.0.1');
        raw.write(v1('PROXY TCP6 2001:db8::44 ::1 50000 80'));
        return raw;
      },
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/who', ':authority': OPEN });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.once('end', () => {
          resolve(text);
        });
        stream.once('error', reject);
      });
      assert.equal(parseEcho(body).headers['x-real-ip'], '2001:db8::44');
    } finally {
      session.destroy();
    }
  });

  test('v2 LOCAL (a balancer health check): the peer is the client', async () => {
    assert.equal(
      seen(await answer(proxied.httpPort, v2('0.0.0.0', 'local'), OPEN)).realIp,
      '127.0.0.1',
    );
  });

  test('a source range rule sees the PROXY client, on HTTP and HTTPS', async () => {
    const inside = v1('PROXY TCP4 203.0.113.50 10.0.0.1 50000 80');
    const outside = v1('PROXY TCP4 198.51.100.50 10.0.0.1 50000 80');
    assert.equal((await answer(proxied.httpPort, inside, RANGED)).status, 200);
    assert.equal((await answer(proxied.httpPort, outside, RANGED)).status, 403);
    assert.equal(
      (await answer(proxied.httpsPort, v2('203.0.113.51'), RANGED, { tls: true })).status,
      200,
    );
    assert.equal(
      (await answer(proxied.httpsPort, v2('198.51.100.51'), RANGED, { tls: true })).status,
      403,
    );
    // The forged chain of a client outside the range changes nothing.
    const forged = await answer(proxied.httpPort, outside, RANGED, {
      headers: ['X-Forwarded-For: 203.0.113.1', 'X-Real-IP: 203.0.113.1'],
    });
    assert.equal(forged.status, 403);
  });

  test('the access log records the PROXY client', async () => {
    await answer(proxied.httpPort, v1('PROXY TCP4 203.0.113.99 10.0.0.1 50000 80'), OPEN);
    const deadline = Date.now() + 5_000;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      lines = proxied
        .stdout()
        .split('\n')
        .filter((line) => line.includes('203.0.113.99'));
      if (lines.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(lines.length, 1, proxied.stdout().slice(-2000));
    assert.equal((JSON.parse(lines[0] as string) as { client: string }).client, '203.0.113.99');
  });

  test('no header, a malformed header or an HTTP request first: closed without an answer', async () => {
    assert.equal(await exchange(proxied.httpPort, Buffer.alloc(0), OPEN), '');
    assert.equal(
      await exchange(proxied.httpPort, v1('PROXY TCP4 999.1.1.1 10.0.0.1 1 2'), OPEN),
      '',
    );
    assert.equal(await exchange(proxied.httpPort, Buffer.from('PROXY TCP4 1.2.3.4\n'), OPEN), '');
    assert.equal(await exchange(proxied.httpsPort, Buffer.alloc(0), OPEN, { tls: true }), '');
    const bad = v2('203.0.113.1');
    bad[12] = 0x31; // version 3
    assert.equal(await exchange(proxied.httpsPort, bad, OPEN, { tls: true }), '');
    // The server still serves a good connection after all that.
    assert.equal(
      seen(await answer(proxied.httpPort, v2('203.0.113.2'), OPEN)).realIp,
      '203.0.113.2',
    );
  });

  test('an untrusted peer: its PROXY header is required but not believed', async () => {
    const header = v1('PROXY TCP4 203.0.113.7 10.0.0.1 50000 80');
    assert.deepEqual(seen(await answer(untrustedPeer.httpPort, header, OPEN)), {
      forwardedFor: '127.0.0.1',
      realIp: '127.0.0.1',
    });
    assert.equal((await answer(untrustedPeer.httpPort, header, RANGED)).status, 403);
    assert.equal(await exchange(untrustedPeer.httpPort, Buffer.alloc(0), OPEN), '');
  });

  test('forwarded chain from a trusted peer, by --forwarded-for-header', async () => {
    const reply = seen(
      await answer(forwarded.httpPort, Buffer.alloc(0), OPEN, {
        headers: ['CF-Connecting-IP: 203.0.113.60', 'X-Forwarded-For: 203.0.113.60, 10.1.1.1'],
      }),
    );
    // X-Real-IP is the decided client; X-Forwarded-For the chain with the peer appended.
    assert.deepEqual(reply, {
      forwardedFor: '203.0.113.60, 10.1.1.1, 127.0.0.1',
      realIp: '203.0.113.60',
    });
    const ranged = await answer(forwarded.httpPort, Buffer.alloc(0), RANGED, {
      headers: ['CF-Connecting-IP: 198.51.100.1', 'X-Forwarded-For: 203.0.113.60'],
    });
    assert.equal(ranged.status, 403);
    // A malformed entry: the walk stops at the peer.
    const garbage = seen(
      await answer(forwarded.httpPort, Buffer.alloc(0), OPEN, {
        headers: ['CF-Connecting-IP: nonsense'],
      }),
    );
    assert.equal(garbage.realIp, '127.0.0.1');
  });
});
