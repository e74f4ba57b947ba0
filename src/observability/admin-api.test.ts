import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { sealRouteTable, type ObjectResult, type RouteTable } from '../ir/index.ts';
import type { CertificateRow, Page, RouteRow, Summary } from './admin-api.ts';
import type { AdminServer, TrafficSource } from './admin-view.ts';
import { silentLogger } from './logger.ts';
import { createStatusServer, type StatusServerOptions } from './status-server.ts';
import { TrafficHistory, type TrafficSnapshot } from './traffic-history.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function appName(index: number): string {
  return `app-${String(index).padStart(5, '0')}`;
}

/**
 * `count` Ingresses `app-N` in namespace `team`, each with host `app-N.example` and a backend;
 * three TLS hosts (two Secrets and a missing one), then `certificates` more Secrets `cert-N` for
 * host `app-N.example`, expiring an hour apart from June 2030 on.
 */
function bigTable(count: number, certificates = 0): RouteTable {
  const names = Array.from({ length: count }, (_, i) => appName(i));
  const more = Array.from({ length: certificates }, (_, i) => ({
    host: `${appName(i)}.example`,
    kind: 'exact' as const,
    secret: {
      namespace: 'team',
      name: `cert-${String(i).padStart(5, '0')}`,
      version: `c${String(i)}`,
      notAfter: new Date(Date.parse('2030-06-01T00:00:00Z') + i * 3_600_000).toISOString(),
    },
    problem: null,
  }));
  return sealRouteTable({
    hosts: names.map((name, index) => ({
      host: `${name}.example`,
      kind: 'exact' as const,
      paths: [
        {
          path: '/',
          match: 'Prefix' as const,
          declaredPathType: 'Prefix' as const,
          backend: `team/${name}:80`,
          source: { namespace: 'team', name, rule: index, path: 0 },
          sslRedirect: false,
        },
      ],
    })),
    defaultBackend: null,
    backends: names.map((name, index) => ({
      id: `team/${name}:80`,
      namespace: 'team',
      service: name,
      port: 80,
      endpoints: index % 2 === 0 ? [{ address: '10.0.0.1', port: 8080 }] : [],
      problem:
        index % 2 === 0 ? null : { code: 'NoReadyEndpoints' as const, message: 'no endpoint' },
    })),
    tls: [
      {
        host: 'app-00000.example',
        kind: 'exact',
        secret: { namespace: 'team', name: 'soon', version: 'a', notAfter: '2030-01-05T00:00:00Z' },
        problem: null,
      },
      {
        host: 'app-00001.example',
        kind: 'exact',
        secret: {
          namespace: 'team',
          name: 'later',
          version: 'b',
          notAfter: '2031-01-01T00:00:00Z',
        },
        problem: null,
      },
      {
        host: 'app-00002.example',
        kind: 'exact',
        secret: null,
        problem: { code: 'SecretNotFound', message: 'secret team/gone not found' },
      },
      ...more,
    ],
  });
}

const REJECTED: ObjectResult = {
  kind: 'Ingress',
  namespace: 'team',
  name: '<script>alert(1)</script>',
  state: 'Rejected',
  problems: [{ code: 'InvalidPath', message: 'path must start with /', field: 'spec.rules[0]' }],
};

const servers: AdminServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Partial<StatusServerOptions> = {}, table = bigTable(1_000)) {
  const server = createStatusServer({
    status: {
      status: () => ({
        ready: true,
        table,
        results: [
          REJECTED,
          {
            kind: 'Ingress',
            namespace: 'team',
            name: 'app-00001',
            state: 'Accepted',
            problems: [{ code: 'NoReadyEndpoints', message: 'no endpoint' }],
          },
          {
            kind: 'Ingress',
            namespace: 'team',
            name: 'app-00000',
            state: 'Accepted',
            problems: [],
          },
        ],
        diagnostics: [{ severity: 'error', file: 'a.yaml', document: 1, message: 'broken' }],
        servingLastGood: [],
      }),
    },
    logger: silentLogger(),
    now: () => NOW,
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${String(port)}`;
  return {
    base,
    json: async <T>(path: string): Promise<T> => {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      return (await response.json()) as T;
    },
  };
}

describe('admin JSON API', () => {
  test('/api/routes pages through the table and searches server-side', async () => {
    const { json } = await start();
    const first = await json<Page<RouteRow>>('/api/routes?pageSize=20');
    assert.equal(first.total, 1_000);
    assert.equal(first.matched, 1_000);
    assert.equal(first.pages, 50);
    assert.equal(first.rows.length, 20);
    assert.deepEqual(first.rows[0], {
      kind: 'rule',
      host: 'app-00000.example',
      path: '/',
      pathType: 'Prefix',
      namespace: 'team',
      ingress: 'app-00000',
      backend: 'team/app-00000:80',
      service: 'app-00000',
      port: 80,
      readyEndpoints: 1,
      endpoints: ['10.0.0.1:8080'],
      problem: null,
    });
    const last = await json<Page<RouteRow>>('/api/routes?pageSize=20&page=999');
    assert.equal(last.page, 50, 'a page past the end gives the last one');
    const found = await json<Page<RouteRow>>('/api/routes?q=APP-0099');
    assert.equal(found.matched, 10);
    assert.ok(found.rows.every((row) => row.ingress.startsWith('app-0099')));
    const clamped = await json<Page<RouteRow>>('/api/routes?pageSize=100000&page=x');
    assert.equal(clamped.pageSize, 500);
    assert.equal(clamped.page, 1);
  });

  test('/api/objects lists rejected objects by default, or all with problems', async () => {
    const { json } = await start();
    const rejected = await json<Page<ObjectResult> & { diagnostics: unknown[] }>('/api/objects');
    assert.deepEqual(
      rejected.rows.map((r) => r.name),
      ['<script>alert(1)</script>'],
    );
    assert.equal(rejected.diagnostics.length, 1);
    const problems = await json<Page<ObjectResult>>('/api/objects?state=problems');
    assert.equal(problems.matched, 2);
    const search = await json<Page<ObjectResult>>('/api/objects?state=all&q=noreadyendpoints');
    assert.deepEqual(
      search.rows.map((r) => r.name),
      ['app-00001'],
    );
  });

  test('/api/certificates: Secrets in use, soonest expiry first, and TLS problems', async () => {
    const { json } = await start();
    const page = await json<Page<CertificateRow> & { problems: unknown[]; problemCount: number }>(
      '/api/certificates',
    );
    assert.deepEqual(
      page.rows.map((r) => [r.name, r.expiresInSeconds, r.hosts]),
      [
        ['soon', 4 * 86_400, ['app-00000.example']],
        ['later', 365 * 86_400, ['app-00001.example']],
      ],
    );
    assert.equal(page.problems.length, 1);
    assert.equal(page.problemCount, 1);
  });

  test('/api/summary counts routes, objects, certificates and recent traffic', async () => {
    const traffic = new TrafficHistory({ now: () => NOW });
    for (let i = 0; i < 60; i++) traffic.count('team', 'app-00000', i < 6 ? 502 : 200);
    const { json } = await start({ traffic });
    const summary = await json<Summary & { metrics: boolean }>('/api/summary');
    assert.equal(summary.ready, true);
    assert.deepEqual(summary.routes, {
      hosts: 1_000,
      paths: 1_000,
      backends: 1_000,
      readyEndpoints: 500,
      backendsWithoutEndpoints: 500,
      defaultBackend: false,
    });
    assert.deepEqual(summary.objects, {
      accepted: 2,
      rejected: 1,
      ignored: 0,
      withProblems: 1,
      servingLastGood: 0,
    });
    assert.deepEqual(summary.certificates, {
      inUse: 2,
      expiringSoon: 1,
      expired: 0,
      hostsWithProblems: 1,
    });
    assert.deepEqual(summary.traffic, { requestsPerSecond: 1, serverErrorRatio: 0.1 });
    assert.equal(summary.metrics, false);
  });

  test('10,000 Ingresses with traffic: every view answers one page of rows', async () => {
    const count = 10_000;
    const history = new TrafficHistory({ now: () => NOW });
    // Ingress i gets i % 7 + 1 requests: the busiest are those with i % 7 === 6, 7 each.
    for (let i = 0; i < count; i++) {
      for (let n = 0; n <= i % 7; n++) history.count('team', appName(i), n === 0 ? 502 : 200);
    }
    const asked: { query: string | undefined; limit: number | undefined }[] = [];
    let overall = 0;
    const traffic: TrafficSource = {
      snapshot: (query, limit) => {
        asked.push({ query, limit });
        return history.snapshot(query, limit);
      },
      overall: () => {
        overall++;
        return history.overall();
      },
    };
    const { json } = await start({ traffic }, bigTable(count, count));

    const summary = await json<Summary>('/api/summary');
    assert.equal(summary.routes.hosts, count);
    assert.equal(summary.certificates.inUse, count + 2);
    assert.equal(asked.length, 0, 'the summary reads no per-Ingress series');
    assert.equal(overall, 1);
    const requests = Array.from({ length: count }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b);
    assert.deepEqual(summary.traffic, {
      requestsPerSecond: requests / 60,
      serverErrorRatio: count / requests,
    });

    const top = await json<TrafficSnapshot>('/api/traffic?limit=15');
    assert.deepEqual(asked.at(-1), { query: '', limit: 15 });
    assert.equal(top.matched, count);
    assert.equal(top.ingresses.length, 15, 'rows are built for the returned Ingresses only');
    assert.deepEqual(
      top.ingresses.map((row) => row.name),
      Array.from({ length: 15 }, (_, i) => appName(i * 7 + 6)),
      'busiest first, then by name',
    );
    for (const row of top.ingresses) {
      assert.equal(row.requests.length, 60);
      assert.equal(
        row.requests.reduce((a, b) => a + b),
        7,
      );
      assert.deepEqual(row.total, { requests: 7, serverErrors: 1, clientErrors: 0 });
    }
    const found = await json<TrafficSnapshot>('/api/traffic?q=team/app-0999&limit=15');
    assert.equal(found.matched, 10);
    const expected = Array.from({ length: 10 }, (_, k) => 9_990 + k)
      .sort((a, b) => (b % 7) - (a % 7) || a - b)
      .map(appName);
    assert.deepEqual(
      found.ingresses.map((row) => row.name),
      expected,
    );
    const most = await json<TrafficSnapshot>('/api/traffic?limit=100000');
    assert.equal(most.ingresses.length, 1_000, 'the limit is capped');

    const routes = await json<Page<RouteRow>>('/api/routes?q=app-0999&pageSize=5');
    assert.equal(routes.total, count);
    assert.equal(routes.matched, 10);
    assert.equal(routes.rows.length, 5);

    const certificates = await json<Page<CertificateRow>>('/api/certificates?pageSize=20&page=2');
    assert.equal(certificates.total, count + 2);
    assert.equal(certificates.pages, Math.ceil((count + 2) / 20));
    assert.equal(certificates.rows.length, 20);
    assert.deepEqual(
      certificates.rows.slice(0, 2).map((row) => row.name),
      ['cert-00019', 'cert-00020'],
      'soonest expiry first: soon, then cert-00000 on',
    );
    const one = await json<Page<CertificateRow>>('/api/certificates?q=cert-0999');
    assert.equal(one.matched, 10);
    assert.ok(one.rows.every((row) => row.name.startsWith('cert-0999')));
  });

  test('/api/traffic answers 404 when metrics are off, and the summary says they are', async () => {
    const { base, json } = await start();
    assert.equal((await fetch(`${base}/api/traffic`)).status, 404);
    assert.equal((await json<{ metrics: boolean }>('/api/summary')).metrics, false);
    const on = await start({ metricsOn: true });
    assert.equal((await on.json<{ metrics: boolean }>('/api/summary')).metrics, true);
  });

  test('the status page: HTML with a CSP that allows exactly its inline script and style', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const html = await response.text();
    const policy = response.headers.get('content-security-policy') ?? '';
    const hash = (tag: string) => {
      const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)?.[1] ?? '';
      return `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
    };
    assert.ok(policy.includes(`script-src ${hash('script')}`), policy);
    assert.ok(policy.includes(`style-src ${hash('style')}`), policy);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /connect-src 'self'/);
    assert.doesNotMatch(policy, /unsafe/);
    assert.doesNotMatch(html, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external assets');
  });
});
