import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { compileRouteTable } from '../../dataplane/compile/index.ts';
import { RequestRecord } from '../../dataplane/index.ts';
import { sealRouteTable, type RouteTable } from '../../ir/index.ts';
import { silentLogger } from '../logger.ts';
import { hostLabel, METHOD_CLASSES, methodIndex, STATUS_CLASSES, statusIndex } from './labels.ts';
import { Metrics } from './metrics.ts';

function table(ingresses: readonly { name: string; host: string }[]): RouteTable {
  return sealRouteTable({
    hosts: ingresses.map(({ name, host }, index) => ({
      host,
      kind: host === '' ? ('any' as const) : ('exact' as const),
      paths: [
        {
          path: '/',
          match: 'Prefix' as const,
          declaredPathType: 'Prefix' as const,
          backend: `shop/${name}:80`,
          source: { namespace: 'shop', name, rule: index, path: 0 },
          sslRedirect: false,
        },
      ],
    })),
    defaultBackend: null,
    backends: ingresses.map(({ name }) => ({
      id: `shop/${name}:80`,
      namespace: 'shop',
      service: name,
      port: 80,
      endpoints: [{ address: '10.0.0.1', port: 8080 }],
      problem: null,
    })),
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
