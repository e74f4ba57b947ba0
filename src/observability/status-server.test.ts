import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import { sealRouteTable } from '../ir/index.ts';
import type { AdminServer, AdminView } from './admin-view.ts';
import { silentLogger } from './logger.ts';
import { createStatusServer, isRebindingSafeHost } from './status-server.ts';

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

/** A status listener on 127.0.0.1, port 0, over a view the test can change. */
async function start(initial: Partial<AdminView> = {}) {
  let view: AdminView = {
    ready: false,
    table: null,
    results: [],
    diagnostics: [],
    servingLastGood: [],
    ...initial,
  };
  const server = createStatusServer({ status: { status: () => view }, logger: silentLogger() });
  servers.push(server);
  const address = await server.listen(0, '127.0.0.1');
  assert.equal(address.address, '127.0.0.1');
  const base = `http://127.0.0.1:${String(address.port)}`;
  const set = (next: Partial<AdminView>): void => {
    view = { ...view, ...next };
  };
  return { server, base, set };
}

describe('status server (the status listener)', () => {
  test('serves the status page, /debug/ and /api/ views', async () => {
    const { base } = await start({ ready: true, table: TABLE });
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    for (const path of ['/debug/routes', '/debug/results', '/api/summary', '/api/routes']) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, path);
    }
  });

  test('a Host that DNS could rebind gets 421; IP addresses and localhost are answered', async () => {
    const { base } = await start({ ready: true, table: TABLE });
    const port = new URL(base).port;
    const statusFor = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const request = httpRequest(`${base}/debug/routes`, { headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    assert.equal(await statusFor(`evil.example.com:${port}`), 421);
    assert.equal(await statusFor('attacker.test'), 421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '10.0.0.7']) {
      assert.equal(await statusFor(host), 200, host);
    }
    assert.equal(isRebindingSafeHost('LOCALHOST'), true);
    assert.equal(isRebindingSafeHost(''), false);
  });

  test('the probes and /metrics are not served here: they stay on the probe listener', async () => {
    const { base } = await start({ ready: true, table: TABLE });
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await fetch(`${base}${path}`)).status, 404, path);
    }
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

  test('the summary says when shutdown has started', async () => {
    const { base, server } = await start({ ready: true, table: TABLE });
    const summary = async (): Promise<{ shuttingDown: boolean }> =>
      (await (await fetch(`${base}/api/summary`)).json()) as { shuttingDown: boolean };
    assert.equal((await summary()).shuttingDown, false);
    server.setShuttingDown();
    assert.equal((await summary()).shuttingDown, true);
  });

  test('other methods get 405 and unknown paths a plain 404', async () => {
    const { base } = await start();
    const post = await fetch(`${base}/api/summary`, { method: 'DELETE' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const missing = await fetch(`${base}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'not found');
  });
});
