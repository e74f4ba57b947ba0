// Upgrades are routed like requests and become tunnels; refusals and failures stay HTTP.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { parseRawResponse, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../helpers/ws-echo.ts';

/** Opens a WebSocket with Node's built-in client and waits for it to be open. */
async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener(
      'open',
      () => {
        resolve();
      },
      { once: true },
    );
    socket.addEventListener(
      'error',
      () => {
        reject(new Error('websocket failed'));
      },
      { once: true },
    );
  });
  return socket;
}

async function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => {
    socket.addEventListener(
      'message',
      (event) => {
        resolve(String(event.data));
      },
      { once: true },
    );
  });
}

async function closed(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    socket.addEventListener('close', () => {
      resolve();
    });
  });
}

const WS_REQUEST =
  'GET /chat HTTP/1.1\r\nHost: HOST\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('WebSocket through the proxy', () => {
  let upstream: WebSocketEcho;
  let echo: EchoUpstream;
  let proxy: RunningProxy;

  before(async () => {
    upstream = await startWebSocketEcho();
    echo = await startEchoUpstream('http');
    proxy = await startProxy({
      tables: holderWith({
        routes: [
          { host: 'empty.test', backend: 'empty' },
          { host: 'http.test', backend: 'http' },
        ],
        defaultBackend: 'ws',
        backends: { ws: loopback(upstream), empty: [], http: loopback(echo) },
      }),
    });
  });

  after(async () => {
    await proxy.close(200);
    await upstream.close();
    await echo.close();
  });

  test('messages echo both ways, forwarded headers reach the upstream', async () => {
    const socket = await openSocket(`ws://127.0.0.1:${proxy.port}/chat?room=1`);
    try {
      const reply = nextMessage(socket);
      socket.send('hello through the proxy');
      assert.equal(await reply, 'hello through the proxy');
      const second = nextMessage(socket);
      socket.send('x'.repeat(1000));
      assert.equal(await second, 'x'.repeat(1000));
      const seen = upstream.upgrades.at(-1);
      assert.equal(seen?.url, '/chat?room=1');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.equal(seen.headers.upgrade, 'websocket');
      assert.match(seen.headers.connection ?? '', /upgrade/i);
    } finally {
      socket.close();
      await closed(socket);
    }
  });

  test('a route with no endpoints answers 503 on the raw socket', async () => {
    const raw = await sendRaw(proxy.port, WS_REQUEST.replace('HOST', 'empty.test'));
    const response = parseRawResponse(raw);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_NO_ENDPOINTS');
  });

  test('an upstream that refuses the upgrade is relayed, then the connection closes', async () => {
    const raw = await sendRaw(
      proxy.port,
      WS_REQUEST.replace('/chat', '/refuse').replace('HOST', 'x'),
    );
    const response = parseRawResponse(raw);
    assert.equal(response.status, 403);
    assert.equal(response.body, 'refused');
    assert.equal(response.headers.get('connection'), 'close');
  });

  test('h2c upgrades are served as plain HTTP/1.1 requests', async () => {
    const raw = await sendRaw(
      proxy.port,
      'GET /h2c HTTP/1.1\r\nHost: http.test\r\nConnection: Upgrade, HTTP2-Settings, close\r\n' +
        'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
    );
    const response = parseRawResponse(raw);
    assert.equal(response.status, 200);
    const reply = parseEcho(response.body);
    assert.equal(reply.headers.upgrade, undefined);
    assert.equal(reply.headers['http2-settings'], undefined);
  });
});

test('an upgrade to an endpoint that refuses connections answers 502', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  const proxy = await startProxy({
    tables: holderWith({
      defaultBackend: 'ws',
      backends: { ws: [{ address: '127.0.0.1', port }] },
    }),
  });
  try {
    const response = parseRawResponse(await sendRaw(proxy.port, WS_REQUEST.replace('HOST', 'a')));
    assert.equal(response.status, 502);
    assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_UPSTREAM_CONNECT');
  } finally {
    await proxy.close();
  }
});

test('close() ends open tunnels at its deadline', async () => {
  const upstream = await startWebSocketEcho();
  const proxy = await startProxy({
    tables: holderWith({ defaultBackend: 'ws', backends: { ws: loopback(upstream) } }),
  });
  try {
    const socket = await openSocket(`ws://127.0.0.1:${proxy.port}/`);
    assert.equal(proxy.proxy.stats().tunnels, 1);
    const started = Date.now();
    await proxy.close(300);
    assert.ok(Date.now() - started >= 250, 'the tunnel was given its grace period');
    await closed(socket);
    assert.equal(proxy.proxy.stats().tunnels, 0);
  } finally {
    await upstream.close();
  }
});
