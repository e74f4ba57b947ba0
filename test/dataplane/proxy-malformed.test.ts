// Malformed and abusive requests get a coded answer, and the proxy stays up for everyone else.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

describe('malformed requests', () => {
  let echo: EchoUpstream;
  let proxy: RunningProxy;

  before(async () => {
    echo = await startEchoUpstream('echo');
    proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(echo) } }),
      headersTimeoutMs: 300,
    });
  });

  after(async () => {
    await proxy.close();
    await echo.close();
  });

  const cases: readonly (readonly [string, string, number, string])[] = [
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'a transfer coding that does not end in chunked',
      'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip\r\n\r\nxyz',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'chunked under another coding',
      'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      501,
      'PM_ERR_UNSUPPORTED_TRANSFER_CODING',
    ],
    [
      'chunked under identity',
      'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n',
      501,
      'PM_ERR_UNSUPPORTED_TRANSFER_CODING',
    ],
    [
      'chunked not last',
      'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'chunked twice',
      'POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    ['no Host on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400, 'PM_ERR_BAD_REQUEST'],
    [
      'two Host headers',
      'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    ['a Host that is no host', 'GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n', 400, 'PM_ERR_BAD_REQUEST'],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'PM_ERR_BAD_REQUEST'],
    [
      'a space in the target',
      'GET /a b HTTP/1.1\r\nHost: a.test\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'an authority-form target',
      'GET a.test:80 HTTP/1.1\r\nHost: a.test\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'headers over 16 KiB',
      `GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'PM_ERR_HEADERS_TOO_LARGE',
    ],
    [
      'CONNECT',
      'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n',
      400,
      'PM_ERR_BAD_REQUEST',
    ],
    [
      'headers that never end (slowloris)',
      'GET / HTTP/1.1\r\nHost: a.test\r\nX-Slow: 1\r\n',
      408,
      'PM_ERR_CLIENT_TIMEOUT',
    ],
  ];

  for (const [name, raw, status, code] of cases) {
    test(`${name}: ${status} ${code}`, async () => {
      const response = parseRawResponse(await sendRaw(proxy.port, raw));
      assert.equal(response.status, status);
      assert.equal(response.headers.get('x-pointsman-error'), code);
      assert.equal(response.headers.get('connection'), 'close');
      const after = await send(proxy.port, { headers: { host: 'a.test' } });
      assert.equal(after.status, 200, 'the proxy keeps serving');
    });
  }

  test('HTTP/1.0 without Host is routed with an empty host', async () => {
    const response = parseRawResponse(await sendRaw(proxy.port, 'GET /old HTTP/1.0\r\n\r\n'));
    assert.equal(response.status, 200);
  });
});

describe('connection limit', () => {
  test('connections over maxConnections, none idle, are closed without an answer', async () => {
    const echo = await startEchoUpstream('echo');
    const proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(echo) } }),
      maxConnections: 2,
      maxConnectionsPerClient: 2,
    });
    const held: Socket[] = [];
    const serverSide: Socket[] = [];
    proxy.proxy.server.on('connection', (socket: Socket) => serverSide.push(socket));
    try {
      for (let i = 0; i < 2; i++) held.push(openBusyConnection(proxy.port));
      await until(() => proxy.proxy.stats().activeRequests === 2);
      assert.equal(proxy.proxy.stats().connections, 2);
      const refused = await sendRaw(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
      assert.equal(refused, '');
      for (const socket of held) socket.destroy();
      await Promise.all(serverSide.map((socket) => waitClosed(socket)));
      assert.equal(proxy.proxy.stats().connections, 0);
      assert.equal((await send(proxy.port, { headers: { host: 'a.test' } })).status, 200);
    } finally {
      for (const socket of held) socket.destroy();
      await proxy.close();
      await echo.close();
    }
  });
});

/**
 * A connection with a request in flight (its body never ends), so it is busy: an idle one would
 * be closed to make room for a new connection.
 */
function openBusyConnection(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write('POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nx');
  return socket;
}

async function waitClosed(socket: Socket): Promise<void> {
  if (socket.closed) return;
  await new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
}
