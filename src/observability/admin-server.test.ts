import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import type { RouteTable } from '../ir/index.ts';
import { sealRouteTable } from '../ir/index.ts';
import { createAdminServer, type AdminServerOptions } from './admin-server.ts';
import type { AdminServer, AdminView } from './admin-view.ts';
import { silentLogger } from './logger.ts';

const TABLE: RouteTable = sealRouteTable({ hosts: [], defaultBackend: null, backends: [] });

const servers: AdminServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A probe listener on 127.0.0.1, port 0, over a view the test can change. */
async function start(initial: Partial<AdminView> = {}, options: Partial<AdminServerOptions> = {}) {
  let view: AdminView = {
    ready: false,
    table: null,
    results: [],
    diagnostics: [],
    servingLastGood: [],
    ...initial,
  };
  const server = createAdminServer({
    status: { status: () => view },
    logger: silentLogger(),
    ...options,
  });
  servers.push(server);
  const address = await server.listen(0, '127.0.0.1');
  assert.equal(address.address, '127.0.0.1');
  assert.ok(address.port > 0);
  const base = `http://127.0.0.1:${address.port}`;
  const set = (next: Partial<AdminView>): void => {
    view = { ...view, ...next };
  };
  return { server, base, set, port: address.port };
}

describe('admin server (the probe listener)', () => {
  test('GET /healthz answers ok', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('/readyz: 503 before the first table, 200 after, 503 again once shutting down', async () => {
    const { base, set, server } = await start();
    const before = await fetch(`${base}/readyz`);
    assert.equal(before.status, 503);
    assert.equal(await before.text(), 'not ready');
    set({ ready: true, table: TABLE });
    const ready = await fetch(`${base}/readyz?verbose`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ok');
    server.setShuttingDown();
    const down = await fetch(`${base}/readyz`);
    assert.equal(down.status, 503);
    assert.equal(await down.text(), 'shutting down');
  });

  test('/metrics serves the source text with its media type; 404 when metrics are off', async () => {
    const off = await start();
    assert.equal((await fetch(`${off.base}/metrics`)).status, 404);
    const { base } = await start(
      {},
      {
        metrics: {
          contentType: 'text/plain; version=0.0.4',
          text: () => Promise.resolve('x 1\n'),
        },
      },
    );
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4');
    assert.equal(await response.text(), 'x 1\n');
  });

  test('a failing metrics source gives 500 and the server keeps serving', async () => {
    const { base } = await start(
      {},
      { metrics: { contentType: 'text/plain', text: () => Promise.reject(new Error('bug')) } },
    );
    assert.equal((await fetch(`${base}/metrics`)).status, 500);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  test('the status page, /debug/ and /api/ answer 404 here, naming the status listener', async () => {
    const status: AddressInfo = { address: '127.0.0.1', family: 'IPv4', port: 10299 };
    const { base } = await start({ ready: true, table: TABLE }, { statusListener: () => status });
    for (const path of ['/', '/debug/routes', '/debug/results', '/api/summary', '/api/routes']) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 404, path);
      const body = await response.text();
      assert.match(body, /only \/healthz, \/readyz and \/metrics/, path);
      assert.ok(body.includes('http://127.0.0.1:10299/'), body);
      assert.ok(body.includes('port-forward POD 10299'), body);
    }
    const unbound = await start({ ready: true, table: TABLE });
    const body = await (await fetch(`${unbound.base}/debug/routes`)).text();
    assert.match(body, /--status-port, default 10255/);
  });

  test('HEAD works as GET, without a body', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/healthz`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '');
  });

  test('unknown paths get 404, other methods 405', async () => {
    const { base } = await start({ ready: true, table: TABLE });
    assert.equal((await fetch(`${base}/index.html`)).status, 404);
    assert.equal((await fetch(`${base}/debug`)).status, 404);
    assert.equal((await fetch(`${base}/healthz/`)).status, 404);
    const post = await fetch(`${base}/readyz`, { method: 'DELETE' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  test('a request with a body is refused unread', async () => {
    const { port } = await start();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/healthz',
          method: 'GET',
          headers: { 'content-length': 5 },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      req.on('error', reject);
      req.end('hello');
    });
    assert.equal(status, 413);
  });

  test('a failing status provider gives 500, and the server keeps serving', async () => {
    const server = createAdminServer({
      status: {
        status() {
          throw new Error('bug');
        },
      },
      logger: silentLogger(),
    });
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 500);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });

  test('close before listen resolves; listen on a taken port rejects', async () => {
    const idle = createAdminServer({
      status: { status: () => ({}) as AdminView },
      logger: silentLogger(),
    });
    await idle.close();
    const { port } = await start();
    const second = createAdminServer({
      status: { status: () => ({}) as AdminView },
      logger: silentLogger(),
    });
    await assert.rejects(second.listen(port, '127.0.0.1'), /EADDRINUSE/);
  });
});
