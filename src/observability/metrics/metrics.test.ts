import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { compileRouteTable } from '../../dataplane/compile/index.ts';
import { EndpointHealth, RequestRecord } from '../../dataplane/index.ts';
import { timeConnect } from '../../dataplane/upstream/index.ts';
import {
  compareBackendIds,
  sealRouteTable,
  type Backend,
  type Endpoint,
  type RouteTable,
} from '../../ir/index.ts';
import { parsePrometheus } from '../../../test/helpers/prometheus-text.ts';
import { silentLogger } from '../logger.ts';
import { hostLabel, METHOD_CLASSES, methodIndex, STATUS_CLASSES, statusIndex } from './labels.ts';
import { Metrics } from './metrics.ts';

/** One rule per Ingress, `host` `/` to the Service (named as the Ingress unless given). */
function table(ingresses: readonly { name: string; host: string; service?: string }[]): RouteTable {
  return sealRouteTable({
    hosts: ingresses.map(({ name, host, service = name }, index) => ({
      host,
      kind: host === '' ? ('any' as const) : ('exact' as const),
      paths: [
        {
          path: '/',
          match: 'Prefix' as const,
          declaredPathType: 'Prefix' as const,
          backend: `shop/${service}:80`,
          source: { namespace: 'shop', name, rule: index, path: 0 },
          sslRedirect: false,
        },
      ],
    })),
    defaultBackend: null,
    // Sorted by id, as RouteTable.backends always is.
    backends: ingresses
      .map(({ name, service = name }) => ({
        id: `shop/${service}:80`,
        namespace: 'shop',
        service,
        port: 80,
        endpoints: [{ address: '10.0.0.1', port: 8080 }],
        problem: null,
      }))
      .sort(compareBackendIds),
  });
}

/** A finished record of a request to `host` routed with `routes`, as the proxy would fill it. */
function record(
  routes: RouteTable,
  request: { host: string; method?: string; status: number; error?: 'PM_ERR_NO_ROUTE' },
): RequestRecord {
  const req = {
    socket: new PassThrough(),
    httpVersion: '1.1',
    method: request.method ?? 'GET',
    url: '/',
    headers: {},
  } as unknown as IncomingMessage;
  const source = {
    observer: null,
    logger: silentLogger(),
    listener: 'http',
    settings: { proto: 'http' },
  };
  const result = new RequestRecord(source, req, 'id', '127.0.0.1', 'request');
  const compiled = compileRouteTable(routes);
  const match = compiled.match(request.host, '/');
  result.host = request.host;
  result.noteMatch(routes, match);
  if (match.backend !== null) result.backend = compiled.backend(match.backend) ?? null;
  result.status = request.status;
  result.error = request.error ?? null;
  result.durationMs = 12;
  result.bytesIn = 100;
  result.bytesOut = 2000;
  return result;
}

async function value(metrics: Metrics, name: string, labels: Record<string, string>) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const found = metric?.values.find(
    (sample) =>
      Object.keys(sample.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, v]) => sample.labels[key] === v),
  );
  return found?.value;
}

describe('label classes', () => {
  test('methods are classed, case-sensitively; anything else is other', () => {
    for (const [index, method] of METHOD_CLASSES.entries()) {
      if (method !== 'other') assert.equal(methodIndex(method), index);
    }
    const other = METHOD_CLASSES.indexOf('other');
    for (const method of ['get', 'PROPFIND', 'BREW', '', 'GET\n']) {
      assert.equal(methodIndex(method), other, method);
    }
  });

  test('statuses are classed 1xx to 5xx; out of range counts as 5xx', () => {
    const classOf = (status: number) => STATUS_CLASSES[statusIndex(status)];
    assert.equal(classOf(101), '1xx');
    assert.equal(classOf(204), '2xx');
    assert.equal(classOf(308), '3xx');
    assert.equal(classOf(499), '4xx');
    assert.equal(classOf(504), '5xx');
    assert.equal(classOf(0), '5xx');
    assert.equal(classOf(600), '5xx');
  });

  test('the host label is the rule host, * for a host-less rule, empty without a rule', () => {
    const routes = table([
      { name: 'a', host: 'a.example' },
      { name: 'any', host: '' },
    ]);
    assert.equal(hostLabel(record(routes, { host: 'a.example', status: 200 })), 'a.example');
    assert.equal(hostLabel(record(routes, { host: 'evil.example', status: 200 })), '*');
    const none = table([{ name: 'a', host: 'a.example' }]);
    assert.equal(hostLabel(record(none, { host: 'x', status: 404 })), '');
  });
});

describe('Metrics', () => {
  test('counts requests by route labels; client input never becomes a label', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const routes = table([{ name: 'any', host: '' }]);
    metrics.tableLive(routes, 1_700_000_000_000);
    metrics.requests.onRequestEnd(record(routes, { host: 'a.example', status: 200 }));
    metrics.requests.onRequestEnd(
      record(routes, { host: 'random-1.example', method: 'X-EVIL', status: 500 }),
    );
    const text = await metrics.text();
    assert.doesNotMatch(text, /random-1|X-EVIL|a\.example/);
    const labels = { namespace: 'shop', ingress: 'any', host: '*', service: 'any' };
    assert.equal(
      await value(metrics, 'pointsman_requests_total', {
        ...labels,
        method: 'GET',
        status_class: '2xx',
      }),
      1,
    );
    assert.equal(
      await value(metrics, 'pointsman_requests_total', {
        ...labels,
        method: 'other',
        status_class: '5xx',
      }),
      1,
    );
    metrics.close();
  });

  test('series of an Ingress that leaves the table are removed on the next table', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const both = table([
      { name: 'a', host: 'a.example' },
      { name: 'b', host: 'b.example' },
    ]);
    metrics.tableLive(both, 0);
    metrics.requests.onRequestEnd(record(both, { host: 'a.example', status: 200 }));
    metrics.requests.onRequestEnd(record(both, { host: 'b.example', status: 200 }));
    assert.match(await metrics.text(), /ingress="b"/);
    const onlyA = table([{ name: 'a', host: 'a.example' }]);
    metrics.tableLive(onlyA, 1);
    const text = await metrics.text();
    assert.doesNotMatch(text, /ingress="b"/);
    assert.match(text, /pointsman_requests_total\{[^}]*ingress="a"[^}]*\} 1/);
    metrics.requests.onRequestEnd(record(onlyA, { host: 'a.example', status: 200 }));
    assert.match(await metrics.text(), /pointsman_requests_total\{[^}]*ingress="a"[^}]*\} 2/);
    metrics.close();
  });

  test('tables that keep host entries as the same objects prune only what left', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const first = table([
      { name: 'a', host: 'a.example' },
      { name: 'b', host: 'b.example' },
      { name: 'c', host: 'c.example' },
    ]);
    metrics.tableLive(first, 0);
    for (const host of ['a.example', 'b.example', 'c.example']) {
      metrics.requests.onRequestEnd(record(first, { host, status: 200 }));
    }
    // As an incremental translation builds it: a and c kept as the same objects, b gone, d new.
    const [a, , c] = first.hosts;
    const d = table([{ name: 'd', host: 'd.example' }]);
    const next = sealRouteTable({
      hosts: [a, c, ...d.hosts].filter((entry) => entry !== undefined),
      defaultBackend: null,
      backends: [first.backends[0], first.backends[2], ...d.backends].filter(
        (backend) => backend !== undefined,
      ),
    });
    metrics.tableLive(next, 1);
    metrics.requests.onRequestEnd(record(next, { host: 'd.example', status: 200 }));
    const text = await metrics.text();
    assert.doesNotMatch(text, /ingress="b"/);
    for (const name of ['a', 'c', 'd']) {
      assert.match(text, new RegExp(`pointsman_requests_total\\{[^}]*ingress="${name}"[^}]*\\} 1`));
    }
    // And back: b returns as a new entry, a leaves.
    metrics.tableLive(table([{ name: 'b', host: 'b.example' }]), 2);
    const last = await metrics.text();
    assert.doesNotMatch(last, /ingress="a"/);
    assert.doesNotMatch(last, /ingress="c"/);
    metrics.close();
  });

  test('connects the proxy reports itself are timed, for endpoints of the table only', async () => {
    const metrics = new Metrics({ processMetrics: false });
    try {
      metrics.tableLive(table([{ name: 'a', host: 'a.example' }]), 0);
      timeConnect('10.0.0.1', 8080)(true);
      timeConnect('10.0.0.1', 8080)(false);
      timeConnect('10.9.9.9', 8080)(true);
      const text = await metrics.text();
      assert.match(text, /^pointsman_upstream_connect_seconds_count\{outcome="ok"\} 1$/m);
      assert.match(text, /^pointsman_upstream_connect_seconds_count\{outcome="error"\} 1$/m);
    } finally {
      metrics.close();
    }
  });

  test('dropped access log lines: no series without an access log, its count with one', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    try {
      assert.doesNotMatch(await metrics.text(), /^pointsman_access_log_dropped_lines_total /m);
      let dropped = 0;
      metrics.trackAccessLog(() => dropped);
      assert.match(await metrics.text(), /^pointsman_access_log_dropped_lines_total 0$/m);
      dropped = 42;
      assert.match(await metrics.text(), /^pointsman_access_log_dropped_lines_total 42$/m);
    } finally {
      metrics.close();
    }
  });

  test('a new table keeps only the series of its namespace/Ingress/host/Service combinations', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    try {
      const before = table([
        { name: 'a', host: 'a.example', service: 'old' },
        { name: 'b', host: 'b.example' },
        { name: 'c', host: 'c.example' },
      ]);
      metrics.tableLive(before, 0);
      for (const host of ['a.example', 'b.example', 'c.example', 'nowhere.example']) {
        metrics.requests.onRequestEnd(
          record(before, { host, status: host === 'nowhere.example' ? 404 : 200 }),
        );
      }
      // Ingress a now sends its host to another Service; b serves another host; c is unchanged.
      metrics.tableLive(
        table([
          { name: 'a', host: 'a.example', service: 'new' },
          { name: 'b', host: 'b2.example' },
          { name: 'c', host: 'c.example' },
        ]),
        1,
      );
      const series = parsePrometheus(await metrics.text())
        .filter((sample) => sample.name === 'pointsman_requests_total')
        .map(
          ({ labels }) =>
            `${labels['ingress'] ?? ''}|${labels['host'] ?? ''}|${labels['service'] ?? ''}`,
        );
      assert.deepEqual(series.sort(), ['c|c.example|c', '||'], 'a, b gone; c and unmatched kept');
      const sizes = parsePrometheus(await metrics.text())
        .filter((sample) => sample.name === 'pointsman_request_size_bytes_count')
        .map(({ labels }) => `${labels['ingress'] ?? ''}|${labels['service'] ?? ''}`);
      // Backend series have no host: b still sends requests to its Service, a to another one.
      assert.deepEqual(sizes.sort(), ['b|b', 'c|c', '|']);
    } finally {
      metrics.close();
    }
  });

  test('certificate expiry comes from the table TLS bindings, one series per Secret', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const secret = {
      namespace: 'shop',
      name: 'tls',
      version: 'v1',
      notAfter: '2030-01-02T03:04:05Z',
    };
    const routes = sealRouteTable({
      hosts: [],
      defaultBackend: null,
      backends: [],
      tls: [
        { host: 'a.example', kind: 'exact', secret, problem: null },
        { host: 'b.example', kind: 'exact', secret, problem: null },
        { host: 'c.example', kind: 'exact', secret: null, problem: null },
      ],
    });
    metrics.tableLive(routes, 0);
    assert.equal(
      await value(metrics, 'pointsman_tls_certificate_not_after_seconds', {
        namespace: 'shop',
        secret: 'tls',
      }),
      Date.parse('2030-01-02T03:04:05Z') / 1000,
    );
    const samples = await metrics.registry
      .getSingleMetric('pointsman_tls_certificate_not_after_seconds')
      ?.get();
    assert.equal(samples?.values.length, 1);
    metrics.close();
  });

  test('control metrics: translations, version info, objects, Kubernetes counters', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    metrics.control.translated('swapped', 0.01);
    metrics.control.translated('failed', 0.001);
    const first = table([{ name: 'a', host: 'a.example' }]);
    const second = table([{ name: 'b', host: 'b.example' }]);
    metrics.tableLive(first, 1_000);
    metrics.tableLive(second, 5_000);
    metrics.control.results([
      { kind: 'Ingress', namespace: 'shop', name: 'a', state: 'Accepted', problems: [] },
      {
        kind: 'Ingress',
        namespace: 'shop',
        name: 'b',
        state: 'Rejected',
        problems: [{ code: 'InvalidPath', message: 'bad' }],
      },
    ]);
    metrics.control.statusWrite('ok');
    metrics.control.watchRestart('Ingress');
    metrics.control.setLeader(true);
    assert.equal(await value(metrics, 'pointsman_translations_total', { outcome: 'swapped' }), 1);
    assert.equal(await value(metrics, 'pointsman_translations_total', { outcome: 'failed' }), 1);
    assert.equal(await value(metrics, 'pointsman_reloads_total', {}), 2);
    assert.equal(await value(metrics, 'pointsman_last_reload_timestamp_seconds', {}), 5);
    assert.equal(
      await value(metrics, 'pointsman_route_table_info', { version: second.version }),
      1,
    );
    assert.equal(
      await value(metrics, 'pointsman_route_table_info', { version: first.version }),
      undefined,
    );
    const objects = { kind: 'Ingress', state: 'rejected', reason: 'InvalidPath' };
    assert.equal(await value(metrics, 'pointsman_objects', objects), 1);
    assert.equal(await value(metrics, 'pointsman_status_writes_total', { outcome: 'ok' }), 1);
    assert.equal(await value(metrics, 'pointsman_watch_restarts_total', { kind: 'Ingress' }), 1);
    assert.equal(await value(metrics, 'pointsman_leader', {}), 1);
    metrics.close();
  });

  test('each Metrics has its own registry; the global one stays empty', async () => {
    const one = new Metrics({ upstreamConnects: false });
    const two = new Metrics({ upstreamConnects: false });
    one.control.statusWrite('ok');
    assert.equal(await value(one, 'pointsman_status_writes_total', { outcome: 'ok' }), 1);
    assert.equal(await value(two, 'pointsman_status_writes_total', { outcome: 'ok' }), undefined);
    assert.match(await two.text(), /nodejs_heap_size_used_bytes/);
    assert.equal(globalRegistry.getMetricsAsArray().length, 0);
    one.close();
    two.close();
  });
});

describe('upstream resilience metrics', () => {
  /** Service web on two ports (four endpoints each) and Service api (two endpoints). */
  function resilienceTable(): RouteTable {
    const endpoints = (port: number) =>
      [1, 2, 3, 4].map((n) => ({ address: `10.0.1.${String(n)}`, port }));
    const backend = (id: string, service: string, port: number, list: Endpoint[]) => ({
      id,
      namespace: 'shop',
      service,
      port,
      endpoints: list,
      problem: null,
    });
    return sealRouteTable({
      ...table([{ name: 'web', host: 'web.example' }]),
      backends: [
        backend('shop/web:80', 'web', 80, endpoints(8080)),
        backend('shop/web:81', 'web', 81, endpoints(8081)),
        backend('shop/api:80', 'api', 80, [
          { address: '10.0.2.1', port: 9000 },
          { address: '10.0.2.2', port: 9000 },
        ]),
      ],
    });
  }

  test('ejections are counted by the Service of the route table; the gauge shows who is out now', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const routes = resilienceTable();
    metrics.tableLive(routes, 0);
    let clock = 1_000;
    const health = new EndpointHealth({
      now: () => clock,
      onEvent: (event) => {
        if (event.type === 'ejected') metrics.upstreamEjected(event);
      },
    });
    metrics.trackHealth(health);
    const [web80, web81] = routes.backends;
    assert.ok(web80 !== undefined && web81 !== undefined);
    const gauge = 'pointsman_upstream_ejected_endpoints';
    assert.equal(await value(metrics, gauge, { namespace: 'shop', service: 'web' }), undefined);

    const first = web80.endpoints[0];
    const second = web81.endpoints[1];
    assert.ok(first !== undefined && second !== undefined);
    for (let i = 0; i < 3; i++) health.failed(web80, first, 'connect');
    health.failed(web81, second, 'connect_timeout');
    const ejections = 'pointsman_upstream_ejections_total';
    assert.equal(
      await value(metrics, ejections, { namespace: 'shop', service: 'web', reason: 'connect' }),
      1,
    );
    assert.equal(
      await value(metrics, ejections, {
        namespace: 'shop',
        service: 'web',
        reason: 'connect_timeout',
      }),
      1,
    );
    // One endpoint out on each port of web: the Service's series adds them up; api has none.
    assert.equal(await value(metrics, gauge, { namespace: 'shop', service: 'web' }), 2);
    assert.equal(await value(metrics, gauge, { namespace: 'shop', service: 'api' }), undefined);
    assert.doesNotMatch(await metrics.text(), /10\.0\.1\.|shop\/web:80/);

    // Past the first ejection (10 s), both are on probation: in rotation, so no series.
    clock += 10_001;
    assert.equal(await value(metrics, gauge, { namespace: 'shop', service: 'web' }), undefined);

    // An ejection reported for a backend no table has is not counted (its labels are unknown).
    metrics.upstreamEjected({ backend: 'other/gone:80', reason: 'reset' });
    const text = await metrics.text();
    assert.doesNotMatch(text, /other|gone/);

    // A table without Service web drops its ejection series; api's stay.
    health.failed(
      routes.backends[2] as Backend,
      { address: '10.0.2.1', port: 9000 },
      'connect_timeout',
    );
    const apiOnly = sealRouteTable({ ...routes, backends: routes.backends.slice(2) });
    metrics.tableLive(apiOnly, 1);
    assert.equal(
      await value(metrics, ejections, { namespace: 'shop', service: 'web', reason: 'connect' }),
      undefined,
    );
    assert.equal(
      await value(metrics, ejections, {
        namespace: 'shop',
        service: 'api',
        reason: 'connect_timeout',
      }),
      1,
    );
    metrics.close();
  });

  test('requests whose retry the budget refused are counted per backend series', async () => {
    const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    const routes = table([{ name: 'shop', host: 'shop.example' }]);
    metrics.tableLive(routes, 0);
    const refused = record(routes, { host: 'shop.example', status: 502 });
    refused.retryBudgetExhausted = true;
    metrics.requests.onRequestEnd(refused);
    metrics.requests.onRequestEnd(record(routes, { host: 'shop.example', status: 200 }));
    const name = 'pointsman_upstream_retry_budget_exhausted_total';
    const labels = { namespace: 'shop', ingress: 'shop', service: 'shop' };
    assert.equal(await value(metrics, name, labels), 1);
    metrics.close();
  });
});
