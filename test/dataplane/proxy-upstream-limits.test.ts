// Per-route body limits and upstream timeouts (proxy-body-size, proxy-*-timeout): exactly the
// limit passes and one byte more does not, with Content-Length and streamed, over HTTP/1.1 and
// HTTP/2; each timeout fires on a gap longer than it and not on shorter ones.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { h2Close, h2Request } from '../helpers/h2-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import {
  startUnacceptingListener,
  type UnacceptingListener,
} from '../helpers/unaccepting-listener.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../helpers/ws-echo.ts';

const LIMIT = 1000;
const TIMEOUT_MS = 1000;

interface Upstream {
  readonly server: Server;
  readonly port: number;
  /** Request bodies the upstream read to their end, by path. */
  readonly completed: string[];
}

/**
 * `/count` answers with the body size it read; `/head-after?ms=N` answers after N ms;
 * `/drip?gaps=a,b` sends its head, then one chunk after each gap; `/stall` never reads the body.
 */
async function startUpstream(): Promise<Upstream> {
  const completed: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === '/stall') {
      req.pause();
      return;
    }
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      completed.push(url.pathname);
      if (url.pathname === '/head-after') {
        setTimeout(() => res.end('late'), Number(url.searchParams.get('ms')));
      } else if (url.pathname === '/drip') {
        res.writeHead(200);
        void drip(res, (url.searchParams.get('gaps') ?? '').split(',').map(Number));
      } else res.end(String(received));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, completed };
}

async function drip(res: import('node:http').ServerResponse, gaps: number[]): Promise<void> {
  for (const gap of gaps) {
    await sleep(gap);
    if (res.destroyed) return;
    res.write('x');
  }
  res.end();
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
  readonly ms: number;
}

/** Sends `bytes` of body, with Content-Length or chunked (in 100-byte writes, 64 KiB for big ones). */
async function post(
  port: number,
  host: string,
  path: string,
  bytes: number,
  framing: 'length' | 'chunked',
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string> = { host };
    if (framing === 'length') headers['content-length'] = String(bytes);
    const req = request({ port, host: '127.0.0.1', method: 'POST', path, headers });
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, ms: ms(started) });
      });
      res.on('error', (error) => {
        resolve({ status: res.statusCode ?? 0, body, error: error.message, ms: ms(started) });
      });
    });
    req.on('error', (error) => {
      resolve({ status: 0, body: '', error: error.message, ms: ms(started) });
    });
    let left = bytes;
    const write = (): void => {
      while (left > 0) {
        const piece = Math.min(bytes > 100_000 ? 64 * 1024 : 100, left);
        left -= piece;
        if (!req.write(Buffer.alloc(piece, 0x61))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

function ms(started: number): number {
  return performance.now() - started;
}

describe('per-route body limits and upstream timeouts', () => {
  let upstream: Upstream;
  let ws: WebSocketEcho;
  let unaccepting: UnacceptingListener | null;
  let proxy: RunningProxy;

  before(async () => {
    upstream = await startUpstream();
    ws = await startWebSocketEcho();
    unaccepting = await startUnacceptingListener();
    const up = loopback(upstream);
    proxy = await startProxy({
      tables: holderWith({
        routes: [
          { host: 'limit.test', backend: 'up', policies: { maxBodyBytes: LIMIT } },
          { host: 'unlimited.test', backend: 'up', policies: { maxBodyBytes: 0 } },
          { host: 'plain.test', backend: 'up' },
          { host: 'read.test', backend: 'up', policies: { readTimeoutMs: TIMEOUT_MS } },
          {
            host: 'send.test',
            backend: 'up',
            policies: { sendTimeoutMs: TIMEOUT_MS, maxBodyBytes: 0 },
          },
          { host: 'connect.test', backend: 'stuck', policies: { connectTimeoutMs: TIMEOUT_MS } },
          { host: 'ws.test', backend: 'ws', policies: { readTimeoutMs: TIMEOUT_MS } },
        ],
        backends: {
          up,
          ws: loopback(ws),
          stuck: loopback(unaccepting ?? upstream),
        },
      }),
      // The flag's limit, which routes with their own proxy-body-size override.
      maxBodyBytes: 10,
      http2: true,
    });
  });

  after(async () => {
    await proxy.close();
    await ws.close();
    await unaccepting?.close();
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  for (const framing of ['length', 'chunked'] as const) {
    test(`HTTP/1.1 ${framing}: exactly the limit passes, one byte more gets 413`, async () => {
      const at = await post(proxy.port, 'limit.test', '/count', LIMIT, framing);
      assert.equal(at.status, 200);
      assert.equal(at.body, String(LIMIT));
      const before = upstream.completed.length;
      const over = await post(proxy.port, 'limit.test', '/count', LIMIT + 1, framing);
      assert.equal(over.status, 413, JSON.stringify(over));
      assert.match(over.body, /PM_ERR_BODY_TOO_LARGE/);
      // The upstream never read a whole body: refused up front, or aborted mid-way.
      assert.equal(upstream.completed.length, before);
    });
  }

  test('the flag applies where the route has no limit, and proxy-body-size 0 lifts it', async () => {
    assert.equal((await post(proxy.port, 'plain.test', '/count', 11, 'chunked')).status, 413);
    assert.equal((await post(proxy.port, 'plain.test', '/count', 10, 'length')).status, 200);
    const big = await post(proxy.port, 'unlimited.test', '/count', 100_000, 'chunked');
    assert.equal(big.body, '100000');
  });

  test('HTTP/2: exactly the limit passes, one byte more gets 413, with and without length', async () => {
    const session = h2connect(`http://127.0.0.1:${String(proxy.port)}`);
    try {
      for (const withLength of [true, false]) {
        const send = (bytes: number) =>
          h2Request(session, {
            method: 'POST',
            path: '/count',
            authority: 'limit.test',
            headers: withLength ? { 'content-length': String(bytes) } : {},
            body: Buffer.alloc(bytes, 0x61),
          });
        const at = await send(LIMIT);
        assert.equal(at.status, 200);
        assert.equal(at.body.toString(), String(LIMIT));
        const over = await send(LIMIT + 1);
        assert.equal(over.status, 413, `with length: ${String(withLength)}`);
        assert.equal(over.headers['x-pointsman-error'], 'PM_ERR_BODY_TOO_LARGE');
      }
    } finally {
      await h2Close(session);
    }
  });

  test('proxy-read-timeout: a response head later than it is 504, sooner passes', async () => {
    const late = await post(proxy.port, 'read.test', '/head-after?ms=1500', 0, 'length');
    assert.equal(late.status, 504);
    // Well before the upstream's answer at 1.5 s.
    assert.ok(late.ms >= TIMEOUT_MS * 0.9, `after ${String(late.ms)} ms`);
    const soon = await post(proxy.port, 'read.test', '/head-after?ms=600', 0, 'length');
    assert.equal(soon.status, 200);
    // Without the annotation, the flag's 60 s apply.
    assert.equal(
      (await post(proxy.port, 'plain.test', '/head-after?ms=1500', 0, 'length')).status,
      200,
    );
  });

  test('proxy-read-timeout: gaps between body chunks shorter than it pass, a longer one cuts', async () => {
    const kept = await post(proxy.port, 'read.test', '/drip?gaps=600,600,600', 0, 'length');
    assert.equal(kept.status, 200);
    assert.equal(kept.body, 'xxx');
    assert.ok(kept.ms > 1700, 'the whole response took longer than the timeout');
    const cut = await post(proxy.port, 'read.test', '/drip?gaps=100,1500', 0, 'length');
    assert.equal(cut.status, 200);
    assert.ok(cut.error !== undefined, 'the response was cut');
  });

  test('proxy-send-timeout: an upstream that stops taking the body gets 504 after it', async () => {
    // Enough to fill the socket buffers on both hops, so the proxy holds bytes it cannot send.
    const stalled = await post(proxy.port, 'send.test', '/stall', 64 * 1024 * 1024, 'chunked');
    assert.equal(
      stalled.status,
      504,
      JSON.stringify({ ...stalled, body: stalled.body.slice(0, 200) }),
    );
    // The route's 1 s, well before the 60 s of the response header timeout.
    assert.ok(
      stalled.ms >= TIMEOUT_MS * 0.9 && stalled.ms < 10_000,
      `after ${String(stalled.ms)} ms`,
    );
    // An upstream that takes the body is never cut, however long the upload.
    const taken = await post(proxy.port, 'send.test', '/count', 8 * 1024 * 1024, 'chunked');
    assert.equal(taken.body, String(8 * 1024 * 1024));
  });

  test('proxy-connect-timeout replaces the flag for the route', async (t) => {
    if (unaccepting === null) {
      t.skip('the kernel completed every handshake');
      return;
    }
    const answer = await post(proxy.port, 'connect.test', '/count', 0, 'length');
    assert.equal(answer.status, 504);
    assert.match(answer.body, /PM_ERR_UPSTREAM_CONNECT_TIMEOUT/);
    assert.ok(answer.ms >= TIMEOUT_MS * 0.9 && answer.ms < 3000, `after ${String(answer.ms)} ms`);
  });

  test('proxy-read-timeout closes an idle tunnel, and traffic keeps it open', async () => {
    const socket = await openWebSocket(proxy.port, 'ws.test');
    const started = performance.now();
    // Traffic every 400 ms for 2 s: each frame is echoed, so bytes move both ways.
    for (let i = 0; i < 5; i++) {
      await sleep(400);
      assert.ok(!socket.destroyed, `closed after ${String(ms(started))} ms of traffic`);
      socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]));
    }
    const idleFrom = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const idle = ms(idleFrom);
    assert.ok(idle >= TIMEOUT_MS * 0.9 && idle < 2500, `closed after ${String(idle)} ms idle`);
  });
});

/** Opens a WebSocket through the proxy and resolves with the client socket after the 101. */
async function openWebSocket(port: number, host: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `GET /chat HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(head));
    };
    socket.on('data', onData);
  });
  socket.resume();
  return socket;
}
