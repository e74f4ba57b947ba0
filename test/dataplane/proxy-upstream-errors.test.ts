// Upstream failures: each gets its status and code, and retries happen only when safe.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { parseEcho, startEchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { rawResponse, startRawUpstream, type RawResponder } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { startUnacceptingListener } from '../helpers/unaccepting-listener.ts';
import { closedPort } from '../helpers/closed-port.ts';

async function withRawUpstream(
  respond: RawResponder,
  options: { readonly responseHeadersTimeoutMs?: number; readonly responseBodyTimeoutMs?: number },
  run: (proxy: RunningProxy, connections: () => number) => Promise<void>,
): Promise<void> {
  const upstream = await startRawUpstream(respond);
  const proxy = await startProxy({
    tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(upstream) } }),
    ...options,
  });
  try {
    await run(proxy, () => upstream.connections);
  } finally {
    await proxy.close(200);
    await upstream.close();
  }
}

describe('upstream failures', () => {
  test('nothing listening: 502 PM_ERR_UPSTREAM_CONNECT', async () => {
    const port = await closedPort();
    const proxy = await startProxy({
      tables: holderWith({
        defaultBackend: 'b',
        backends: { b: [{ address: '127.0.0.1', port }] },
      }),
    });
    try {
      for (const method of ['GET', 'POST']) {
        const reply = await send(proxy.port, { method, headers: { host: 'x.test' } });
        assert.equal(reply.status, 502);
        assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_CONNECT');
      }
    } finally {
      await proxy.close();
    }
  });

  test('a refused endpoint is skipped once for the next one', async () => {
    const port = await closedPort();
    const echo = await startEchoUpstream('alive');
    const endpoints = [{ address: '127.0.0.1', port }, ...loopback(echo)];
    const proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: endpoints } }),
    });
    try {
      for (let i = 0; i < 4; i++) {
        const reply = await send(proxy.port, { method: 'POST', headers: { host: 'x.test' } });
        assert.equal(reply.status, 200);
        assert.equal(parseEcho(reply.body).name, 'alive');
      }
    } finally {
      await proxy.close();
      await echo.close();
    }
  });

  test('a connect that never completes: 504 PM_ERR_UPSTREAM_CONNECT_TIMEOUT', async (t) => {
    const listener = await startUnacceptingListener();
    if (listener === null) {
      t.skip('this kernel completes handshakes beyond the listen backlog');
      return;
    }
    const connectTimeoutMs = 300;
    const proxy = await startProxy({
      tables: holderWith({
        defaultBackend: 'b',
        backends: { b: [{ address: '127.0.0.1', port: listener.port }] },
      }),
      connectTimeoutMs,
    });
    try {
      const started = performance.now();
      const reply = await send(proxy.port, { headers: { host: 'x.test' }, timeoutMs: 5_000 });
      const elapsed = performance.now() - started;
      assert.equal(reply.status, 504);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT');
      // The answer waited for the timeout (not an early refusal), and only one attempt ran:
      // a connect timeout is not retried on the endpoint that timed out.
      assert.ok(elapsed >= connectTimeoutMs * 0.9, `answered after ${String(elapsed)} ms`);
      assert.ok(elapsed < connectTimeoutMs * 2 + 1_000, `answered after ${String(elapsed)} ms`);
    } finally {
      await proxy.close(200);
      await listener.close();
    }
  });

  test('no response headers in time: 504 PM_ERR_UPSTREAM_TIMEOUT', async () => {
    await withRawUpstream(
      () => undefined,
      { responseHeadersTimeoutMs: 300 },
      async (proxy) => {
        const reply = await send(proxy.port, { headers: { host: 'x.test' } });
        assert.equal(reply.status, 504);
        assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_TIMEOUT');
      },
    );
  });

  test('garbage instead of HTTP: 502 PM_ERR_UPSTREAM_PROTOCOL', async () => {
    await withRawUpstream(
      (_head, socket) => socket.write('SPEAKING NONSENSE\r\n\r\n'),
      {},
      async (proxy) => {
        const reply = await send(proxy.port, { headers: { host: 'x.test' } });
        assert.equal(reply.status, 502);
        assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_PROTOCOL');
      },
    );
  });

  test('an upstream dying mid-body cuts the client response', async () => {
    await withRawUpstream(
      (_head, socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little');
        setImmediate(() => socket.destroy());
      },
      {},
      async (proxy) => {
        await assert.rejects(send(proxy.port, { headers: { host: 'x.test' } }));
      },
    );
  });

  test('an upstream stalling mid-body is cut after the body timeout', async () => {
    await withRawUpstream(
      (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome'),
      { responseBodyTimeoutMs: 300 },
      async (proxy) => {
        await assert.rejects(send(proxy.port, { headers: { host: 'x.test' } }));
      },
    );
  });
});

describe('retry on a keep-alive connection the upstream closed', () => {
  // The first connection answers its first request, then closes when the second arrives,
  // the way an upstream whose idle timeout just expired does. Later connections answer.
  const closeSecondRequest =
    (how: 'close' | 'reset'): RawResponder =>
    (_head, socket, { connection, request }) => {
      if (connection === 1 && request === 2) {
        if (how === 'reset') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      socket.write(rawResponse('200 OK', [], `connection ${connection}`));
    };

  for (const how of ['close', 'reset'] as const) {
    test(`GET is retried once on a fresh connection (${how})`, async () => {
      await withRawUpstream(closeSecondRequest(how), {}, async (proxy, connections) => {
        const first = await send(proxy.port, { headers: { host: 'x.test' } });
        assert.equal(first.body, 'connection 1');
        const second = await send(proxy.port, { headers: { host: 'x.test' } });
        assert.equal(second.status, 200);
        assert.equal(second.body, 'connection 2');
        assert.equal(connections(), 2);
      });
    });
  }

  test('the retry succeeds on a new connection when every pooled connection is stale', async () => {
    // Two pooled connections, both answered once and then dead to further requests.
    const held: Socket[] = [];
    const respond: RawResponder = (_head, socket, { connection, request }) => {
      if (connection > 2) {
        socket.write(rawResponse('200 OK', [], `connection ${connection}`));
      } else if (request > 1) {
        socket.destroy();
      } else {
        held.push(socket);
        if (held.length < 2) return;
        for (const waiting of held) waiting.write(rawResponse('200 OK', [], 'first'));
      }
    };
    await withRawUpstream(respond, {}, async (proxy, connections) => {
      const firsts = await Promise.all([
        send(proxy.port, { headers: { host: 'x.test' } }),
        send(proxy.port, { headers: { host: 'x.test' } }),
      ]);
      assert.deepEqual(
        firsts.map((reply) => reply.body),
        ['first', 'first'],
      );
      const reply = await send(proxy.port, { headers: { host: 'x.test' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'connection 3');
      assert.equal(connections(), 3);
    });
  });

  test('POST is not retried: 502 PM_ERR_UPSTREAM_CONNECT', async () => {
    await withRawUpstream(closeSecondRequest('close'), {}, async (proxy, connections) => {
      await send(proxy.port, { method: 'POST', headers: { host: 'x.test' } });
      const second = await send(proxy.port, { method: 'POST', headers: { host: 'x.test' } });
      assert.equal(second.status, 502);
      assert.equal(second.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_CONNECT');
      assert.equal(connections(), 1);
    });
  });

  test('PUT without a body is retried: it is idempotent', async () => {
    await withRawUpstream(closeSecondRequest('close'), {}, async (proxy, connections) => {
      await send(proxy.port, { headers: { host: 'x.test' } });
      const second = await send(proxy.port, { method: 'PUT', headers: { host: 'x.test' } });
      assert.equal(second.status, 200);
      assert.equal(second.body, 'connection 2');
      assert.equal(connections(), 2);
    });
  });

  test('PUT whose body bytes reached the upstream is not retried: 502', async () => {
    // Connection 1 answers a GET, then closes once the next request's head and at least one
    // of its body bytes have arrived: the body was sent, and cannot be sent again.
    let connections = 0;
    let closedAfterBodyBytes = 0;
    const upstream = createServer((socket) => {
      const connection = ++connections;
      let received = '';
      let answered = 0;
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (connection === 1 && answered === 1) {
          if (received.length > end + 4) {
            closedAfterBodyBytes = received.length - end - 4;
            socket.destroy();
          }
          return;
        }
        received = received.slice(end + 4);
        answered++;
        socket.write(rawResponse('200 OK', [], `connection ${String(connection)}`));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    const proxy = await startProxy({
      tables: holderWith({
        defaultBackend: 'b',
        backends: { b: [{ address: '127.0.0.1', port }] },
      }),
    });
    try {
      const first = await send(proxy.port, { headers: { host: 'x.test' } });
      assert.equal(first.body, 'connection 1');
      const second = await send(proxy.port, {
        method: 'PUT',
        headers: { host: 'x.test', 'content-type': 'text/plain' },
        body: 'replace the resource with this',
      });
      assert.equal(second.status, 502);
      assert.equal(second.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_CONNECT');
      assert.ok(closedAfterBodyBytes > 0, 'the upstream closed before any body byte arrived');
      assert.equal(connections, 1, 'the PUT was sent again');
    } finally {
      await proxy.close(200);
      await new Promise<void>((resolve) =>
        upstream.close(() => {
          resolve();
        }),
      );
    }
  });

  test('a request that keeps dying stops after three attempts (proxy-next-upstream-tries)', async () => {
    await withRawUpstream(
      (_head, socket) => socket.destroy(),
      {},
      async (proxy, connections) => {
        const reply = await send(proxy.port, { headers: { host: 'x.test' } });
        assert.equal(reply.status, 502);
        assert.equal(connections(), 3);
      },
    );
  });
});

test('IPv6 endpoints are reached (skipped without IPv6 loopback)', async (t) => {
  const server = (await import('node:http')).createServer((_req, res) => res.end('v6'));
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => {
      resolve(false);
    });
    server.listen(0, '::1', () => {
      resolve(true);
    });
  });
  if (!listening) {
    t.skip('no IPv6 loopback');
    return;
  }
  const { port } = server.address() as AddressInfo;
  const proxy = await startProxy({
    tables: holderWith({ defaultBackend: 'b', backends: { b: [{ address: '::1', port }] } }),
  });
  try {
    const reply = await send(proxy.port, { headers: { host: 'x.test' } });
    assert.equal(reply.body, 'v6');
  } finally {
    await proxy.close();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
});
