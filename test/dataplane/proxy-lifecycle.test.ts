// Clients that vanish, graceful close, and table swaps under requests in flight.
import assert from 'node:assert/strict';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { startGateUpstream } from '../helpers/gate-upstream.ts';
import { startProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, holderWith, loopback } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

const CLIENTS = 50;

/** Opens a raw connection, writes `bytes`, resolves once written. */
async function rawClient(port: number, bytes: string | Buffer): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) =>
    socket.write(bytes, () => {
      resolve();
    }),
  );
  return socket;
}

describe('clients that disconnect mid-request', () => {
  test(`${CLIENTS} clients dropping mid-upload, mid-wait and mid-download`, async () => {
    const gate = await startGateUpstream();
    const big = await startBigUpstream();
    const tables = holderWith({
      routes: [
        { host: 'gate.test', backend: 'gate' },
        { host: 'big.test', backend: 'big' },
      ],
      backends: { gate: loopback(gate), big: loopback(big) },
    });
    const proxy = await startProxy({ tables });
    try {
      // Mid-upload: a megabyte announced, 64 KiB sent, then the connection is cut.
      const uploads = await Promise.all(
        Array.from({ length: CLIENTS }, () =>
          rawClient(
            proxy.port,
            Buffer.concat([
              Buffer.from(
                'POST /up HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 1048576\r\n\r\n',
              ),
              Buffer.alloc(65_536, 1),
            ]),
          ),
        ),
      );
      await gate.arrived(CLIENTS);
      for (const socket of uploads) socket.destroy();
      await gate.abortedCount(CLIENTS);

      // Mid-wait: the upstream has the request and has not answered yet.
      const waits = await Promise.all(
        Array.from({ length: CLIENTS }, () =>
          rawClient(proxy.port, 'GET /wait HTTP/1.1\r\nHost: gate.test\r\n\r\n'),
        ),
      );
      await gate.arrived(2 * CLIENTS);
      for (const socket of waits) socket.destroy();
      await gate.abortedCount(2 * CLIENTS);

      // Mid-download: the first bytes of a large body arrive, then the client leaves.
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const socket = await rawClient(proxy.port, 'GET /big HTTP/1.1\r\nHost: big.test\r\n\r\n');
          await new Promise<void>((resolve) =>
            socket.once('data', () => {
              resolve();
            }),
          );
          socket.destroy();
        }),
      );
      await until(() => big.aborted() === CLIENTS, 10_000);

      await until(() => proxy.proxy.stats().activeRequests === 0);
      const after = await send(proxy.port, { headers: { host: 'big.test' }, path: '/small' });
      assert.equal(after.status, 200);
      assert.equal(after.body, 'small');
    } finally {
      await proxy.close(200);
      await gate.close();
      await big.close();
    }
  });
});

/** Serves `/big` as an endless stream (until the client leaves) and anything else as 'small'. */
async function startBigUpstream(): Promise<{
  port: number;
  aborted: () => number;
  close: () => Promise<void>;
}> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let aborted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (req.url !== '/big') {
      res.end('small');
      return;
    }
    res.on('close', () => aborted++);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    aborted: () => aborted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

describe('graceful close', () => {
  test('idle connections close at once, a slow request finishes, new ones are refused', async () => {
    const gate = await startGateUpstream();
    const echo = await startEchoUpstream('echo');
    const tables = holderWith({
      routes: [{ host: 'slow.test', backend: 'gate' }],
      defaultBackend: 'echo',
      backends: { gate: loopback(gate), echo: loopback(echo) },
    });
    const proxy = await startProxy({ tables });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const idle = await send(proxy.port, { headers: { host: 'a.test' }, agent });
      assert.equal(idle.status, 200);
      const idleSocket = [...Object.values(agent.freeSockets)].flat()[0];
      assert.ok(idleSocket, 'the keep-alive connection is idle in the agent');
      const idleClosed = new Promise<void>((resolve) =>
        idleSocket.once('close', () => {
          resolve();
        }),
      );

      const slow = send(proxy.port, { headers: { host: 'slow.test' } });
      await gate.arrived(1);
      const closing = proxy.close(10_000);

      await idleClosed;
      await assert.rejects(send(proxy.port, { headers: { host: 'a.test' } }), /ECONNREFUSED/);
      assert.equal(proxy.proxy.stats().activeRequests, 1);

      gate.open('finished');
      const reply = await slow;
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'finished');
      assert.equal(reply.headers.connection, 'close');
      await closing;
      const { connections, activeRequests, tunnels } = proxy.proxy.stats();
      assert.deepEqual(
        { connections, activeRequests, tunnels },
        { connections: 0, activeRequests: 0, tunnels: 0 },
      );
    } finally {
      agent.destroy();
      await proxy.close();
      await gate.close();
      await echo.close();
    }
  });

  test('what is still running at the deadline is cut', async () => {
    const gate = await startGateUpstream();
    const proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'gate', backends: { gate: loopback(gate) } }),
    });
    try {
      const stuck = assert.rejects(send(proxy.port, { headers: { host: 'a.test' } }));
      await gate.arrived(1);
      const started = Date.now();
      await proxy.close(200);
      assert.ok(Date.now() - started >= 150, 'the request had its grace period');
      await stuck;
      await gate.abortedCount(1);
    } finally {
      await gate.close();
    }
  });
});

describe('table swaps', () => {
  test('a swap mid-stream does not cut the request; the next one uses the new table', async () => {
    let release: (() => void) | undefined;
    const streaming = createServer((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first half, ');
      release = () => res.end('second half');
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    const port = (streaming.address() as AddressInfo).port;
    const tables = holderWith({
      defaultBackend: 'old',
      backends: { old: [{ address: '127.0.0.1', port }] },
    });
    const proxy = await startProxy({ tables });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: proxy.port, path: '/', headers: { host: 'a.test' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
              if (release === undefined) return;
              // The first bytes are here: replace the table, then let the upstream finish.
              tables.swap(buildTestTable({ backends: {} }));
              const finish = release;
              release = undefined;
              finish();
            });
            res.on('end', () => {
              resolve(text);
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'first half, second half');
      const next = await send(proxy.port, { headers: { host: 'a.test' } });
      assert.equal(next.status, 404);
      assert.equal(next.headers['x-pointsman-error'], 'PM_ERR_NO_ROUTE');
    } finally {
      await proxy.close();
      streaming.closeAllConnections();
      await new Promise<void>((resolve) =>
        streaming.close(() => {
          resolve();
        }),
      );
    }
  });
});
