// HTTP/2 from clients: h2 by ALPN on the HTTPS listener and h2c with prior knowledge on the
// HTTP one, beside HTTP/1.1 on the same ports; real clients (node:http2, curl), many streams
// on one connection, 20 MiB each way with flow control holding the upstream back, trailers,
// error answers, a client that cancels, and a graceful close that sends GOAWAY.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { constants } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TLS_DEFAULTS, httpsServerOptions } from '../../src/dataplane/index.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { startGateUpstream, type GateUpstream } from '../helpers/gate-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, loopback, tlsTables } from '../helpers/route-table.ts';
import { sendHttps } from '../helpers/tls-client.ts';
import { until } from '../helpers/until.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = 20 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 0x62);

/** An upstream for big bodies: it counts what it writes and reads, and can stop reading. */
interface BigUpstream {
  readonly server: Server;
  written: number;
  received: number;
  /** While true, an upload is no longer read once 1 MiB has arrived. */
  holdUploads: boolean;
  release(): void;
}

function startBigUpstream(): Promise<BigUpstream> {
  const paused = new Set<() => void>();
  const state: BigUpstream = {
    server: createServer((req, res) => {
      if (req.url === '/trailers') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
        res.write('with trailers');
        res.addTrailers({ 'x-checksum': 'abc123' });
        res.end();
        return;
      }
      if (req.method === 'GET') {
        state.written = 0;
        res.writeHead(200, { 'content-length': SIZE });
        const pump = (): void => {
          while (state.written < SIZE) {
            state.written += CHUNK.length;
            if (!res.write(CHUNK)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      state.received = 0;
      req.on('data', (chunk: Buffer) => {
        state.received += chunk.length;
        if (state.holdUploads && state.received >= MiB) {
          req.pause();
          paused.add(() => req.resume());
        }
      });
      req.on('end', () => res.end(String(state.received)));
    }),
    written: 0,
    received: 0,
    holdUploads: false,
    release: () => {
      state.holdUploads = false;
      for (const resume of paused) resume();
      paused.clear();
    },
  };
  return new Promise((resolve) =>
    state.server.listen(0, '127.0.0.1', () => {
      resolve(state);
    }),
  );
}

/** Resolves once `read()` has not changed for 300 ms: the flow it counts has stalled. */
async function stalled(read: () => number): Promise<number> {
  let last = -1;
  let since = Date.now();
  await until(() => {
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= 300;
  }, 20_000);
  return last;
}

describe('HTTP/2 from clients', () => {
  let echo: EchoUpstream;
  let gate: GateUpstream;
  let big: BigUpstream;
  let https: RunningProxy;
  let h2c: RunningProxy;
  let plain: RunningProxy;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  before(async () => {
    process.on('warning', onWarning);
    echo = await startEchoUpstream('echo');
    gate = await startGateUpstream();
    big = await startBigUpstream();
    const { tables, store } = tlsTables();
    tables.swap(
      buildTestTable({
        routes: [
          { host: 'echo.example.com', backend: 'echo' },
          { host: 'gate.example.com', backend: 'gate' },
          { host: 'big.example.com', backend: 'big' },
        ],
        backends: {
          echo: loopback(echo),
          gate: loopback(gate),
          big: loopback(big.server.address() as AddressInfo),
        },
      }),
    );
    https = await startProxy({
      tables,
      proto: 'https',
      hsts: 'max-age=100',
      tls: httpsServerOptions(store, TLS_DEFAULTS),
      http2: true,
    });
    h2c = await startProxy({ tables, http2: true });
    plain = await startProxy({ tables });
  });

  after(async () => {
    process.off('warning', onWarning);
    await Promise.all([https.close(), h2c.close(), plain.close(), echo.close(), gate.close()]);
    big.server.closeAllConnections();
    await new Promise((resolve) => big.server.close(resolve));
  });

  test('ALPN h2: requests are routed by :authority, translated, with HSTS', async () => {
    const session = await h2Connect(https.port, { servername: 'echo.example.com' });
    assert.equal(session.alpnProtocol, 'h2');
    const reply = await h2Request(session, {
      authority: 'echo.example.com',
      path: '/a?b=1',
      headers: { cookie: ['x=1', 'y=2'], te: 'trailers', 'x-custom': 'kept' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['strict-transport-security'], 'max-age=100');
    assert.equal(reply.headers['server'], 'pointsman');
    const echoed = parseEcho(reply.body.toString());
    assert.equal(echoed.url, '/a?b=1');
    assert.equal(echoed.headers.host, 'echo.example.com');
    assert.equal(echoed.headers.cookie, 'x=1; y=2');
    assert.equal(echoed.headers['x-custom'], 'kept');
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
    assert.equal(echoed.headers.te, undefined, 'TE is not sent to an HTTP/1.1 upstream');
    await h2Close(session);
  });

  test('many concurrent streams on one connection', async () => {
    const session = await h2Connect(https.port, { servername: 'gate.example.com' });
    const before = gate.waiting;
    const replies = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h2Request(session, { authority: 'gate.example.com', path: `/n/${String(i)}` }),
      ),
    );
    // All 50 reach the upstream before any is answered: they are in flight at once.
    await until(() => gate.waiting - before >= 50);
    gate.open('done');
    const answered = await replies;
    assert.ok(answered.every((reply) => reply.status === 200 && reply.body.toString() === 'done'));
    await h2Close(session);
  });

  test('HTTP/1.1 clients keep working on the same port', async () => {
    const reply = await sendHttps(https.port, { servername: 'echo.example.com', path: '/one' });
    assert.equal(reply.status, 200);
    assert.equal(reply.certificate.alpn, 'http/1.1');
    assert.equal(parseEcho(reply.body).url, '/one');
  });

  test('curl --http2 over TLS speaks HTTP/2; --http1.1 still gets HTTP/1.1', async () => {
    const url = `https://echo.example.com:${String(https.port)}/curl`;
    const resolve = `echo.example.com:${String(https.port)}:127.0.0.1`;
    for (const [flag, version] of [
      ['--http2', '2'],
      ['--http1.1', '1.1'],
    ] as const) {
      const { stdout } = await run('curl', [
        '-sk',
        flag,
        '--resolve',
        resolve,
        '-w',
        '\n%{http_version} %{http_code}',
        url,
      ]);
      const lines = stdout.trimEnd().split('\n');
      assert.equal(lines.at(-1), `${version} 200`, flag);
      assert.equal(parseEcho(lines.slice(0, -1).join('\n')).url, '/curl');
    }
  });

  test('h2c with prior knowledge, when enabled, beside HTTP/1.1 on the same port', async () => {
    const session = await h2Connect(h2c.port);
    const reply = await h2Request(session, { authority: 'echo.example.com', path: '/h2c' });
    assert.equal(reply.status, 200);
    assert.equal(parseEcho(reply.body.toString()).headers['x-forwarded-proto'], 'http');
    await h2Close(session);
    const { stdout } = await run('curl', [
      '-s',
      '--http2-prior-knowledge',
      '-H',
      'host: echo.example.com',
      '-w',
      '\n%{http_version}',
      `http://127.0.0.1:${String(h2c.port)}/curl`,
    ]);
    assert.equal(stdout.trimEnd().split('\n').at(-1), '2');
    const h1 = await send(h2c.port, { path: '/h1', headers: { host: 'echo.example.com' } });
    assert.equal(parseEcho(h1.body).url, '/h1');
    const pipelined = await sendRaw(
      h2c.port,
      'GET /p1 HTTP/1.1\r\nHost: echo.example.com\r\n\r\n' +
        'PUT /p2 HTTP/1.1\r\nHost: echo.example.com\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
    );
    assert.deepEqual(
      [...pipelined.matchAll(/"url":"([^"]+)"/g)].map((match) => match[1]),
      ['/p1', '/p2'],
    );
  });

  test('without h2c, the HTTP/2 preface is refused as a bad HTTP/1.1 request', async () => {
    const text = await sendRaw(plain.port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const response = parseRawResponse(text);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_BAD_REQUEST');
  });

  test('20 MiB download: a client that stops reading holds the upstream back', async (t) => {
    const session = await h2Connect(https.port, { servername: 'big.example.com' });
    const stream = session.request({ ':path': '/download', ':authority': 'big.example.com' });
    let received = 0;
    let holding = true;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (holding && received >= MiB) stream.pause();
    });
    const ended = once(stream, 'end');
    await until(() => received >= MiB);
    const written = await stalled(() => big.written);
    t.diagnostic(`while the client waited, the upstream got ${(written / MiB).toFixed(1)} MiB out`);
    assert.ok(written < SIZE - 4 * MiB, `the upstream wrote ${String(written)} bytes`);
    holding = false;
    stream.resume();
    await ended;
    assert.equal(received, SIZE);
    await h2Close(session);
  });

  test('20 MiB upload: an upstream that stops reading holds the client back', async (t) => {
    big.holdUploads = true;
    const session = await h2Connect(https.port, { servername: 'big.example.com' });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/upload',
      ':authority': 'big.example.com',
    });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(stream, 'end');
    let sent = 0;
    const sending = (async () => {
      while (sent < SIZE) {
        sent += CHUNK.length;
        if (!stream.write(CHUNK)) await once(stream, 'drain');
      }
      stream.end();
    })();
    await until(() => big.received >= MiB);
    const accepted = await stalled(() => sent);
    t.diagnostic(
      `while the upstream waited, the client got ${(accepted / MiB).toFixed(1)} MiB out`,
    );
    assert.ok(accepted < SIZE - 4 * MiB, `the client sent ${String(accepted)} bytes`);
    big.release();
    await sending;
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), String(SIZE));
    await h2Close(session);
  });

  test('upstream trailers reach HTTP/2 clients, and chunked HTTP/1.1 clients', async () => {
    const session = await h2Connect(https.port, { servername: 'big.example.com' });
    const reply = await h2Request(session, { authority: 'big.example.com', path: '/trailers' });
    assert.equal(reply.body.toString(), 'with trailers');
    assert.equal(reply.trailers['x-checksum'], 'abc123');
    await h2Close(session);
    const trailers = await new Promise<NodeJS.Dict<string>>((resolve, reject) => {
      const req = request(
        {
          port: plain.port,
          host: '127.0.0.1',
          path: '/trailers',
          headers: { host: 'big.example.com' },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            resolve(res.trailers);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(trailers['x-checksum'], 'abc123');
  });

  test('error answers over HTTP/2 carry the code and no connection-specific header', async () => {
    const session = await h2Connect(https.port, { servername: 'nowhere.example.com' });
    const missing = await h2Request(session, { authority: 'nowhere.example.com' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-pointsman-error'], 'PM_ERR_NO_ROUTE');
    const conflicting = await h2Request(session, {
      authority: 'echo.example.com',
      headers: { host: 'gate.example.com' },
    });
    assert.equal(conflicting.status, 400, 'a Host unlike :authority is malformed');
    assert.equal(conflicting.headers['x-pointsman-error'], 'PM_ERR_BAD_REQUEST');
    assert.equal(conflicting.headers['connection'], undefined);
    assert.ok(!session.destroyed, 'a refused stream leaves the connection up');
    await h2Close(session);
    assert.deepEqual(
      warnings.map((warning) => warning.message),
      [],
      'Node never had to drop a header itself',
    );
  });

  test('a client that cancels its stream aborts the upstream request', async () => {
    const session = await h2Connect(https.port, { servername: 'gate.example.com' });
    const aborted = gate.aborted;
    const stream = session.request({ ':path': '/cancel', ':authority': 'gate.example.com' });
    stream.on('error', () => undefined);
    await until(() => gate.waiting > 0);
    stream.close(constants.NGHTTP2_CANCEL);
    await gate.abortedCount(aborted + 1);
    await h2Close(session);
  });
});

test('a graceful close sends GOAWAY and lets the streams in flight finish', async () => {
  const gate = await startGateUpstream();
  const { tables, store } = tlsTables();
  tables.swap(
    buildTestTable({
      routes: [{ host: 'gate.example.com', backend: 'gate' }],
      backends: { gate: loopback(gate) },
    }),
  );
  const proxy = await startProxy({
    tables,
    proto: 'https',
    tls: httpsServerOptions(store, TLS_DEFAULTS),
    http2: true,
  });
  const session = await h2Connect(proxy.port, { servername: 'gate.example.com' });
  const goaway = once(session, 'goaway');
  const reply = h2Request(session, { authority: 'gate.example.com', path: '/slow' });
  await gate.arrived(1);
  const closed = proxy.close(10_000);
  await goaway;
  gate.open('finished');
  assert.equal((await reply).body.toString(), 'finished');
  await closed;
  await until(() => proxy.proxy.stats().connections === 0);
  await gate.close();
});
