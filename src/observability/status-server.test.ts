import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import { EndpointHealth } from '../dataplane/index.ts';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import { sealRouteTable } from '../ir/index.ts';
import type { EndpointsPage, LiveExplanation } from './endpoint-health-view.ts';
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
async function start(initial: Partial<AdminView> = {}, health?: EndpointHealth) {
  let view: AdminView = {
    ready: false,
    table: null,
    results: [],
    diagnostics: [],
    servingLastGood: [],
    ...initial,
  };
  const server = createStatusServer({
    status: { status: () => view },
    logger: silentLogger(),
    ...(health === undefined ? {} : { health }),
  });
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

  test('/api/endpoints lists endpoints out of rotation first; /api/explain gives each one its state', async () => {
    const endpoints = [1, 2, 3, 4].map((n) => ({ address: `10.0.0.${String(n)}`, port: 8080 }));
    const backend = (id: string, service: string) => ({
      id,
      namespace: 'shop',
      service,
      port: 80,
      endpoints,
      problem: null,
    });
    const table = sealRouteTable({
      hosts: [
        {
          host: 'shop.example',
          kind: 'exact',
          paths: [
            {
              path: '/',
              match: 'Prefix',
              declaredPathType: 'Prefix',
              backend: 'shop/web:80',
              source: { namespace: 'shop', name: 'web', rule: 0, path: 0 },
              sslRedirect: false,
            },
          ],
        },
      ],
      defaultBackend: null,
      // Both Services select the same Pods: health is per address:port, shared by both.
      backends: [backend('shop/web:80', 'web'), backend('shop/admin:80', 'admin')],
    });
    let clock = 0;
    const health = new EndpointHealth({ now: () => clock });
    const [web] = table.backends;
    const [first, second] = endpoints;
    assert.ok(web !== undefined && first !== undefined && second !== undefined);
    const { base } = await start({ ready: true, table }, health);
    const before = (await (await fetch(`${base}/api/endpoints`)).json()) as EndpointsPage;
    assert.deepEqual(
      { total: before.total, out: before.out, rows: before.rows },
      {
        total: 0,
        out: 0,
        rows: [],
      },
    );

    health.failed(web, second, 'reset');
    health.failed(web, first, 'connect_timeout');
    const started = Date.now();
    const response = await fetch(`${base}/api/endpoints`);
    assert.equal(response.status, 200);
    const page = (await response.json()) as EndpointsPage;
    assert.equal(page.version, table.version);
    assert.equal(page.total, 2);
    assert.equal(page.out, 1);
    const [out, failing] = page.rows;
    assert.ok(out !== undefined && failing !== undefined);
    assert.deepEqual(
      { ...out, until: null, secondsLeft: null },
      {
        endpoint: '10.0.0.1:8080',
        backends: ['shop/web:80', 'shop/admin:80'],
        state: 'ejected',
        reason: 'connect_timeout',
        until: null,
        secondsLeft: null,
        consecutiveFailures: 0,
        ejections: 1,
      },
    );
    // Ejected for the base time, 10 s, from when it failed.
    assert.ok(
      out.until !== null && Math.abs(out.until - (started + 10_000)) < 2_000,
      String(out.until),
    );
    assert.ok(out.secondsLeft !== null && out.secondsLeft > 0 && out.secondsLeft <= 10);
    assert.equal(failing.endpoint, '10.0.0.2:8080');
    assert.equal(failing.state, 'failing');
    assert.equal(failing.consecutiveFailures, 1);
    assert.equal(failing.until, null);

    const explain = async (query: string) => {
      const answer = await fetch(`${base}/api/explain?${query}`);
      return { status: answer.status, body: (await answer.json()) as LiveExplanation };
    };
    const live = await explain('host=shop.example&target=%2Fcart%3Fx%3D1');
    assert.equal(live.status, 200);
    assert.equal(live.body.status, 200);
    assert.equal(live.body.request.path, '/cart');
    assert.deepEqual(
      live.body.endpointHealth.map(({ endpoint, state, reason }) => [endpoint, state, reason]),
      [
        ['10.0.0.1:8080', 'ejected', 'connect_timeout'],
        // Failing but never ejected: the reason is its last failure.
        ['10.0.0.2:8080', 'failing', 'reset'],
        ['10.0.0.3:8080', 'in-rotation', null],
        ['10.0.0.4:8080', 'in-rotation', null],
      ],
    );
    // until is wall-clock: each snapshot adds what is left of the ejection to Date.now().
    const until = live.body.endpointHealth[0]?.until ?? 0;
    assert.ok(Math.abs(until - out.until) < 1_000, `${String(until)} vs ${String(out.until)}`);

    // After the ejection time it is on probation: a request may go there and decide.
    clock += 10_001;
    const later = await explain('host=shop.example&target=/');
    assert.equal(later.body.endpointHealth[0]?.state, 'probation');
    assert.equal((await explain('target=/')).status, 400);
  });

  test('/api/explain answers 503 before the first table; /api/endpoints is empty without health', async () => {
    const { base } = await start();
    const explain = await fetch(`${base}/api/explain?host=a.example&target=/`);
    assert.equal(explain.status, 503);
    assert.deepEqual(await explain.json(), { error: 'no route table is live yet' });
    const endpoints = await fetch(`${base}/api/endpoints`);
    assert.deepEqual(await endpoints.json(), { version: null, total: 0, out: 0, rows: [] });
  });
});
