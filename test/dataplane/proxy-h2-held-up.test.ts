// HTTP/2 requests that try to reach what the table does not route, on an h2c listener (issue
// 15, part 5: what held up in the security review). Only /public on a.test is routed; the
// upstream records every request target it gets, and none may fall outside /public.
//
// Elsewhere: a Host unlike :authority on h2 by ALPN (one direction) in proxy-http2.test.ts;
// floods in proxy-h2-floods.test.ts; the HTTP/1.1 side in proxy-held-up.test.ts.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import {
  FLAG,
  FRAME,
  frame,
  literalIndexedName,
  literalNewName,
  rawH2Connect,
  requestBlock,
} from '../helpers/h2-frames.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

/** True when a path, resolved the way a WHATWG URL parser (most backends) does, is in /public. */
function inPublic(target: string): boolean {
  const path = new URL(target, 'http://upstream').pathname;
  return path === '/public' || path.startsWith('/public/');
}

describe('HTTP/2 requests that aim past the routes (h2c)', () => {
  let echo: EchoUpstream;
  let proxy: RunningProxy;
  const received: string[] = [];
  /** Bytes the upstream read, as latin1 text. */
  const wire: string[] = [];

  before(async () => {
    echo = await startEchoUpstream('public');
    echo.server.on('request', (req: { url?: string }) => received.push(req.url ?? ''));
    echo.server.on('connection', (socket: Socket) => {
      socket.on('data', (chunk: Buffer) => wire.push(chunk.toString('latin1')));
    });
    proxy = await startProxy({
      tables: holderWith({
        routes: [{ host: 'a.test', path: '/public', backend: 'public' }],
        backends: { public: loopback(echo) },
      }),
      http2: true,
    });
  });

  after(async () => {
    await proxy.close();
    await echo.close();
  });

  test('a Host unlike :authority is refused whichever of the two is routed', async () => {
    // Routing by Host would serve the second; routing by :authority alone, the first.
    const session = await h2Connect(proxy.port);
    const before = received.length;
    for (const [authority, host] of [
      ['a.test', 'b.test'],
      ['b.test', 'a.test'],
    ] as const) {
      const reply = await h2Request(session, { authority, path: '/public', headers: { host } });
      assert.equal(reply.status, 400, `${authority} with Host ${host}`);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_BAD_REQUEST');
    }
    assert.deepEqual(received.slice(before), []);
    await h2Close(session);
  });

  test('dot segments and repeated slashes in :path never reach past /public', async () => {
    // A proxy that matched the raw :path by prefix would send these to the /public backend,
    // which would resolve them to /admin.
    const session = await h2Connect(proxy.port);
    for (const path of [
      '/public/../admin',
      '/public/%2e%2e/admin',
      '/public/.%2E/admin',
      '//admin',
    ]) {
      const before = received.length;
      const reply = await h2Request(session, { authority: 'a.test', path });
      const forwarded = received.slice(before);
      if (reply.status === 200)
        assert.ok(forwarded.every(inPublic), `${path}: ${forwarded.join()}`);
      else assert.ok([400, 404].includes(reply.status), `${path}: ${String(reply.status)}`);
      assert.ok(forwarded.every(inPublic), `${path} reached the upstream as ${forwarded.join()}`);
    }
    await h2Close(session);
  });

  test('CONNECT over HTTP/2 is refused and opens no connection anywhere', async () => {
    // A proxy that honoured it would open a TCP tunnel to the named port: here, the upstream.
    const session = await h2Connect(proxy.port);
    const connections = echo.connections;
    const stream = session.request({
      ':method': 'CONNECT',
      ':authority': `127.0.0.1:${String(echo.port)}`,
    });
    stream.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => {
      stream.once('response', (headers) => {
        resolve(Number(headers[':status']));
      });
      stream.once('close', () => {
        resolve(0);
      });
    });
    stream.end('GET /admin HTTP/1.1\r\nHost: a.test\r\n\r\n');
    // node:http2 answers 405 itself when nobody listens for 'connect'; the proxy would say 400.
    assert.ok([0, 400, 405].includes(status), `CONNECT answered ${String(status)}`);
    assert.equal(echo.connections, connections, 'the upstream got a connection');
    await h2Close(session);
  });

  // Blocks a client library would refuse to send; nghttp2 must treat each as malformed
  // (RFC 9113 section 8.1.1) rather than pick one of the values, and answer or reset it.
  const malformed: readonly (readonly [string, Buffer])[] = [
    [
      'a second :path',
      Buffer.concat([requestBlock('a.test', '/public'), literalIndexedName(4, '/admin')]),
    ],
    [
      'a second :authority',
      Buffer.concat([requestBlock('a.test', '/public'), literalIndexedName(1, 'b.test')]),
    ],
    ['a :path with a space', requestBlock('a.test', '/public /admin')],
    ['an upper-case header name', requestBlock('a.test', '/public', literalNewName('X-A', 'a'))],
    [
      'a connection-specific header',
      requestBlock('a.test', '/public', literalNewName('transfer-encoding', 'chunked')),
    ],
  ];
  for (const [name, block] of malformed) {
    test(`${name}: the stream is refused and nothing reaches the upstream`, async () => {
      const before = received.length;
      const requests = echo.requests;
      const connection = await rawH2Connect(proxy.port);
      await connection.write(frame(FRAME.headers, FLAG.endHeaders | FLAG.endStream, 1, block));
      await until(
        () => connection.closed || connection.frames.some((received) => received.stream === 1),
      );
      connection.socket.destroy();
      // A request that slipped through would reach the upstream before this one does.
      const session = await h2Connect(proxy.port);
      const after = await h2Request(session, { authority: 'a.test', path: '/public/after' });
      await h2Close(session);
      assert.equal(after.status, 200, 'the proxy keeps serving');
      assert.deepEqual(received.slice(before), ['/public/after']);
      assert.equal(echo.requests, requests + 1);
    });
  }

  // nghttp2 drops a field whose value holds CR, LF or NUL (RFC 9113 section 8.2.1) and lets the
  // request through without it. An HTTP/1.1 upstream must never see those bytes: written into
  // its request head they would add a header (or a request) of the client's choosing.
  for (const value of ['a\r\nx-injected: yes', 'a\nx-injected: yes', 'a\rb', 'a\0b']) {
    test(`a header value ${JSON.stringify(value)} never reaches the upstream's wire`, async () => {
      wire.length = 0;
      const connection = await rawH2Connect(proxy.port);
      const block = requestBlock('a.test', '/public/ctl', literalNewName('x-a', value));
      await connection.write(frame(FRAME.headers, FLAG.endHeaders | FLAG.endStream, 1, block));
      await until(
        () => connection.closed || connection.frames.some((received) => received.stream === 1),
      );
      connection.socket.destroy();
      const session = await h2Connect(proxy.port);
      assert.equal(
        (await h2Request(session, { authority: 'a.test', path: '/public/after' })).status,
        200,
      );
      await h2Close(session);
      const text = wire.join('');
      assert.match(text, /GET \/public\/after /);
      assert.doesNotMatch(text, /x-injected/i);
      assert.doesNotMatch(text.replaceAll('\r\n', ''), /[\r\n\0]/);
    });
  }
});
