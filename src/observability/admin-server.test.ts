import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import { sealRouteTable } from '../ir/index.ts';
import { createAdminServer, type AdminServer, type AdminView } from './admin-server.ts';
import { silentLogger } from './logger.ts';

const TABLE: RouteTable = sealRouteTable({ hosts: [], defaultBackend: null, backends: [] });

const RESULT: ObjectResult = {
  kind: 'Ingress',
  namespace: 'shop',
  name: 'web',
  state: 'Rejected',
  problems: [{ code: 'InvalidPath', message: 'path must start with /' }],
};

const servers: AdminServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** An admin server on 127.0.0.1, port 0, over a view the test can change. */
async function start(initial: Partial<AdminView> = {}) {
  let view: AdminView = {
    ready: false,
    table: null,
    results: [],
    diagnostics: [],
    servingLastGood: [],
    ...initial,
  };
  const server = createAdminServer({ status: { status: () => view }, logger: silentLogger() });
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

describe('admin server', () => {
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

  test('/debug/routes: 503 with a JSON error before the first table, then the IR', async () => {
    const { base, set } = await start();
    const before = await fetch(`${base}/debug/routes`);
    assert.equal(before.status, 503);
    assert.match(before.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await before.json(), { error: 'no route table is live yet' });
    set({ ready: true, table: TABLE });
    const after = await fetch(`${base}/debug/routes`);
    assert.equal(after.status, 200);
    assert.deepEqual(await after.json(), TABLE);
  });

  test('/debug/results gives results, diagnostics and what serves its last good version', async () => {
    const diagnostic = { severity: 'error', file: 'a.yaml', document: 0, message: 'broken' };
    const lastGood = { kind: 'Ingress', namespace: 'shop', name: 'web' } as const;
    const { base } = await start({
      ready: true,
      table: TABLE,
      results: [RESULT],
      diagnostics: [diagnostic],
      servingLastGood: [lastGood],
    });
    const response = await fetch(`${base}/debug/results`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      version: TABLE.version,
      results: [RESULT],
      diagnostics: [diagnostic],
      servingLastGood: [lastGood],
    });
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
