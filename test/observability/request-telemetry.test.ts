// Metrics and access log of a running controller: a known set of requests (200s, a 404, a 503,
// a 502 after a retry, a WebSocket) gives the expected samples at /metrics and one access log
// line per request with the right fields; then open connections are counted by protocol, an
// HTTP/1.1 keep-alive connection and an h2c one held open.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { startServe, type RunningServe } from '../../src/cli/serve-runtime.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/index.ts';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send, type Reply } from '../helpers/http-client.ts';
import { parsePrometheus, sampleValue, samplesNamed } from '../helpers/prometheus-text.ts';
import { startRawUpstream } from '../helpers/raw-upstream.ts';
import { startWebSocketEcho } from '../helpers/ws-echo.ts';

const ROUTE_LABELS = ['namespace', 'ingress', 'host', 'service', 'method', 'status_class'];

function route(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(ROUTE_LABELS.map((label, index) => [label, values[index] ?? '']));
}

/** An Ingress whose only path is not absolute: rejected with InvalidPath. */
const BROKEN_INGRESS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'typo', namespace: 'default' },
  spec: {
    rules: [
      {
        host: 'typo.test',
        http: {
          paths: [
            {
              path: 'no-slash',
              pathType: 'Prefix',
              backend: { service: { name: 'web', port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

test('metrics and access log lines after a known set of requests', async (t) => {
  const web = await startEchoUpstream('web');
  // Closes every connection without answering: a GET is tried three times (ingress-nginx's
  // proxy-next-upstream-tries), then answered 502.
  const dead = await startRawUpstream((_head, socket) => socket.destroy());
  const ws = await startWebSocketEcho();
  const dir = await manifestDir();
  const accessLog = join(dir, 'logs', 'access.log');
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('shop', 'shop.test', { '/': 'web' }),
    ingress('broken', 'broken.test', { '/': 'dead' }),
    ingress('empty', 'empty.test', { '/': 'none' }),
    ingress('sockets', null, { '/ws': 'ws' }),
    BROKEN_INGRESS,
    ...serviceWithEndpoints('web', [web.port]),
    ...serviceWithEndpoints('dead', [dead.port]),
    ...serviceWithEndpoints('none', []),
    ...serviceWithEndpoints('ws', [ws.port]),
  ]);
  let running: RunningServe | undefined = await startServe({
    manifests: [dir],
    translate: DEFAULT_TRANSLATE_OPTIONS,
    bind: '127.0.0.1',
    httpPort: 0,
    adminBind: '127.0.0.1',
    adminPort: 0,
    statusBind: '127.0.0.1',
    statusPort: 0,
    proxy: { http2: true },
    logger: silentLogger(),
    telemetry: {
      metrics: true,
      accessLog: { target: { kind: 'file', path: accessLog }, skipPaths: [], sampleRatio: 1 },
    },
  });
  t.after(async () => {
    await running?.stop(1_000);
    await Promise.all([web.close(), dead.close(), ws.close()]);
  });
  const admin = `http://127.0.0.1:${String(running.admin.port)}`;
  const statusPage = `http://127.0.0.1:${String(running.statusPage.port)}`;
  const request = (host: string, method = 'GET', body?: string): Promise<Reply> =>
    send(running?.http.port ?? 0, {
      method,
      headers: { host, 'x-request-id': `test-${String(++sent)}` },
      ...(body === undefined ? {} : { body }),
    });
  let sent = 0;
  const idOf = (): string => `test-${String(sent)}`;

  const ids: Record<string, string> = {};
  for (let i = 0; i < 3; i++) assert.equal((await request('shop.test')).status, 200);
  const post = await request('shop.test', 'POST', 'x'.repeat(1000));
  assert.equal(post.status, 200);
  ids['200'] = idOf();
  const notFound = await request('nowhere.test');
  assert.equal(notFound.status, 404);
  ids['404'] = idOf();
  const noEndpoints = await request('empty.test');
  assert.equal(noEndpoints.status, 503);
  ids['503'] = idOf();
  const badGateway = await request('broken.test');
  assert.equal(badGateway.status, 502);
  ids['502'] = idOf();

  const socket = new WebSocket(`ws://127.0.0.1:${String(running.http.port)}/ws`);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  socket.close();

  let text = '';
  const scrape = async (): Promise<ReturnType<typeof parsePrometheus>> => {
    const response = await fetch(`${admin}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    text = await response.text();
    return parsePrometheus(text);
  };
  const wsLabels = route(['default', 'sockets', '*', 'ws', 'GET', '1xx']);
  // The tunnel's record ends when the proxy sees its client connection close.
  let samples = await scrape();
  const deadline = Date.now() + 5_000;
  while (sampleValue(samples, 'pointsman_requests_total', wsLabels) !== 1) {
    assert.ok(Date.now() < deadline, 'the WebSocket was counted within 5 s');
    await delay(10);
    samples = await scrape();
  }

  const requests = (values: readonly string[]): number | undefined =>
    sampleValue(samples, 'pointsman_requests_total', route(values));
  assert.equal(requests(['default', 'shop', 'shop.test', 'web', 'GET', '2xx']), 3);
  assert.equal(requests(['default', 'shop', 'shop.test', 'web', 'POST', '2xx']), 1);
  assert.equal(requests(['', '', '', '', 'GET', '4xx']), 1);
  assert.equal(requests(['default', 'empty', 'empty.test', 'none', 'GET', '5xx']), 1);
  assert.equal(requests(['default', 'broken', 'broken.test', 'dead', 'GET', '5xx']), 1);
  const total = samplesNamed(samples, 'pointsman_requests_total').reduce((s, x) => s + x.value, 0);
  assert.equal(total, 8, 'eight requests: the admin scrapes are not counted');
  // Label values come from the route table, never from the client's Host.
  assert.doesNotMatch(text, /nowhere\.test/);
  assert.match(text, /host="shop\.test"/);

  const shopGet = route(['default', 'shop', 'shop.test', 'web', 'GET', '2xx']);
  assert.equal(sampleValue(samples, 'pointsman_request_duration_seconds_count', shopGet), 3);
  assert.equal(
    sampleValue(samples, 'pointsman_request_duration_seconds_bucket', { ...shopGet, le: '+Inf' }),
    3,
  );
  const shop = { namespace: 'default', ingress: 'shop', service: 'web' };
  assert.equal(sampleValue(samples, 'pointsman_upstream_response_seconds_count', shop), 4);
  assert.equal(sampleValue(samples, 'pointsman_request_size_bytes_count', shop), 4);
  assert.ok((sampleValue(samples, 'pointsman_request_size_bytes_sum', shop) ?? 0) > 1000);
  assert.ok((sampleValue(samples, 'pointsman_response_size_bytes_sum', shop) ?? 0) > 4 * 100);

  const errors = (ingressName: string, service: string, code: string): number | undefined =>
    sampleValue(samples, 'pointsman_request_errors_total', {
      namespace: ingressName === '' ? '' : 'default',
      ingress: ingressName,
      service,
      code,
    });
  assert.equal(errors('', '', 'PM_ERR_NO_ROUTE'), 1);
  assert.equal(errors('empty', 'none', 'PM_ERR_NO_ENDPOINTS'), 1);
  assert.equal(errors('broken', 'dead', 'PM_ERR_UPSTREAM_CONNECT'), 1);
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_retries_total', {
      namespace: 'default',
      ingress: 'broken',
      service: 'dead',
      code: 'PM_ERR_UPSTREAM_CONNECT',
    }),
    2,
  );
  // Each connection an upstream accepted was timed once: web's through undici, dead's three (the
  // attempt and its two retries, each on a new connection), and the WebSocket's own connection.
  assert.ok(web.connections >= 1 && dead.connections === 3 && ws.upgrades.length === 1);
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_connect_seconds_count', { outcome: 'ok' }),
    web.connections + dead.connections + ws.upgrades.length,
    'connections to web, dead and ws were timed',
  );
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_connect_seconds_count', { outcome: 'error' }),
    undefined,
  );

  const routes = (await (await fetch(`${statusPage}/debug/routes`)).json()) as { version: string };
  assert.equal(sampleValue(samples, 'pointsman_route_table_info', { version: routes.version }), 1);
  assert.equal(samplesNamed(samples, 'pointsman_route_table_info').length, 1);
  assert.equal(sampleValue(samples, 'pointsman_reloads_total'), 1);
  assert.ok((sampleValue(samples, 'pointsman_last_reload_timestamp_seconds') ?? 0) > 1.7e9);
  assert.equal(sampleValue(samples, 'pointsman_translations_total', { outcome: 'swapped' }), 1);
  assert.equal(sampleValue(samples, 'pointsman_translations_total', { outcome: 'failed' }), 0);
  assert.equal(sampleValue(samples, 'pointsman_translation_duration_seconds_count'), 1);
  const objects = (kind: string, state: string, reason: string): number | undefined =>
    sampleValue(samples, 'pointsman_objects', { kind, state, reason });
  assert.equal(objects('Ingress', 'rejected', 'InvalidPath'), 1);
  assert.equal(objects('Ingress', 'accepted', ''), 3);
  assert.equal(objects('Ingress', 'accepted', 'NoReadyEndpoints'), 1);
  assert.equal(sampleValue(samples, 'pointsman_leader'), 0);
  assert.equal(sampleValue(samples, 'pointsman_access_log_dropped_lines_total'), 0);
  for (const name of [
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
    'process_resident_memory_bytes',
  ]) {
    assert.ok(samplesNamed(samples, name).length > 0, `${name} is exported`);
  }
  assert.ok(samples.some((s) => s.name.startsWith('nodejs_gc_duration_seconds')));

  // Every client connection so far has closed (each request had one of its own); then one
  // HTTP/1.1 keep-alive connection and one h2c connection are held open.
  const connections = async (): Promise<Record<string, number | undefined>> => {
    samples = await scrape();
    const open = (protocol: string): number | undefined =>
      sampleValue(samples, 'pointsman_open_connections', { listener: 'http', protocol });
    return { 'http/1.1': open('http/1.1'), h2: open('h2'), upgrade: open('upgrade') };
  };
  const idleBy = Date.now() + 5_000;
  while ((await connections())['http/1.1'] !== 0) {
    assert.ok(Date.now() < idleBy, 'the closed client connections were seen closed within 5 s');
    await delay(10);
  }
  assert.deepEqual(await connections(), { 'http/1.1': 0, h2: 0, upgrade: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => {
    agent.destroy();
  });
  const kept = await send(running.http.port, { headers: { host: 'shop.test' }, agent });
  assert.equal(kept.status, 200);
  assert.deepEqual(await connections(), { 'http/1.1': 1, h2: 0, upgrade: 0 });
  const session = await h2Connect(running.http.port);
  t.after(() => h2Close(session));
  // With a body: an HTTP/2 request's byte counts are its body bytes (the log checks both).
  const h2 = await h2Request(session, { authority: 'shop.test', method: 'POST', body: 'h2' });
  assert.equal(h2.status, 200);
  assert.deepEqual(await connections(), { 'http/1.1': 1, h2: 1, upgrade: 0 });
  await h2Close(session);
  agent.destroy();

  // The log is complete once the controller has stopped and flushed it.
  await running.stop(1_000);
  running = undefined;
  const lines = (await readFile(accessLog, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 10, 'the eight requests, then one on each held connection');
  for (const line of lines) {
    assert.equal(line['component'], 'access');
    assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line['client'], '127.0.0.1');
    assert.equal(typeof line['durationMs'], 'number');
    assert.ok(Number(line['bytesIn']) > 0 && Number(line['bytesOut']) > 0);
  }
  const lineOf = (id: string | undefined): Record<string, unknown> => {
    const found = lines.find((line) => line['requestId'] === id);
    assert.ok(found, `a line for request ${String(id)}`);
    return found;
  };
  const ok = lineOf(ids['200']);
  assert.deepEqual(
    {
      method: ok['method'],
      host: ok['host'],
      path: ok['path'],
      status: ok['status'],
      namespace: ok['namespace'],
      ingress: ok['ingress'],
      service: ok['service'],
      endpoint: ok['endpoint'],
      error: ok['error'],
      retries: ok['retries'],
      listener: ok['listener'],
      proto: ok['proto'],
      upgrade: ok['upgrade'],
    },
    {
      method: 'POST',
      host: 'shop.test',
      path: '/',
      status: 200,
      namespace: 'default',
      ingress: 'shop',
      service: 'web',
      endpoint: `127.0.0.1:${String(web.port)}`,
      error: null,
      retries: 0,
      listener: 'http',
      proto: 'http',
      upgrade: false,
    },
  );
  assert.ok(Number(ok['bytesIn']) > 1000, 'the body is counted');
  assert.equal(typeof ok['upstreamMs'], 'number');

  const missing = lineOf(ids['404']);
  assert.equal(missing['status'], 404);
  assert.equal(missing['error'], 'PM_ERR_NO_ROUTE');
  assert.equal(missing['host'], 'nowhere.test');
  assert.equal(missing['ingress'], null);
  assert.equal(missing['endpoint'], null);
  assert.equal(missing['upstreamMs'], null);

  const unavailable = lineOf(ids['503']);
  assert.equal(unavailable['status'], 503);
  assert.equal(unavailable['error'], 'PM_ERR_NO_ENDPOINTS');
  assert.equal(unavailable['ingress'], 'empty');
  assert.equal(unavailable['service'], 'none');
  assert.equal(unavailable['endpoint'], null);

  const gateway = lineOf(ids['502']);
  assert.equal(gateway['status'], 502);
  assert.equal(gateway['error'], 'PM_ERR_UPSTREAM_CONNECT');
  assert.equal(gateway['ingress'], 'broken');
  assert.equal(gateway['endpoint'], `127.0.0.1:${String(dead.port)}`);
  assert.equal(gateway['retries'], 2);

  const tunnel = lines.find((line) => line['upgrade'] === true);
  assert.ok(tunnel);
  assert.equal(tunnel['status'], 101);
  assert.equal(tunnel['path'], '/ws');
  assert.equal(tunnel['ingress'], 'sockets');
});
