// Upstream resilience made visible, through `pointsman serve`: an endpoint that refuses
// connections is ejected, and the ejection shows in /metrics (counter and gauge, labelled with
// the Service of the route table), in /api/endpoints and in /api/explain of the status
// listener; a retry the retry budget refuses is counted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus-text.ts';
import { ONE_WORKER, startServeProcess } from '../helpers/serve-process.ts';
import { closedPort } from '../helpers/closed-port.ts';

async function scrape(port: number) {
  const response = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
  assert.equal(response.status, 200);
  return parsePrometheus(await response.text());
}

async function json(port: number, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${String(port)}${path}`);
  assert.equal(response.status, 200, path);
  return (await response.json()) as Record<string, unknown>;
}

test('an ejection is counted, shown as out now, and listed by the status listener', async (t) => {
  const up = await startEchoUpstream('up');
  const refusing = await closedPort();
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('shop', 'shop.example.com', { '/': 'web' }),
    ...serviceWithEndpoints('web', [up.port, refusing]),
  ]);
  // A long ejection, so that it is still on when the views are read.
  const serve = await startServeProcess('serve', [
    // One process: passive health is per worker (docs/workers.md), and these counts are exact.
    ...ONE_WORKER,
    '--manifests',
    dir,
    '--access-log',
    'off',
    '--outlier-base-ejection-time',
    '60s',
  ]);
  t.after(async () => {
    await serve.stop();
    await up.close();
  });
  // Round robin over two endpoints: the refusing one gets about every other first attempt, and
  // each is retried on the other; three refusals in a row eject it.
  for (let i = 0; i < 12; i++) {
    const reply = await send(serve.httpPort, { headers: { host: 'shop.example.com' } });
    assert.equal(reply.status, 200, `request ${String(i)}`);
  }
  const samples = await scrape(serve.adminPort);
  const service = { namespace: 'default', service: 'web' };
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_ejections_total', { ...service, reason: 'connect' }),
    1,
  );
  assert.equal(sampleValue(samples, 'pointsman_upstream_ejected_endpoints', service), 1);
  // The retries were within the budget (10 a second at least).
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_retry_budget_exhausted_total', {
      ...service,
      ingress: 'shop',
    }),
    undefined,
  );

  const endpoints = await json(serve.statusPort, '/api/endpoints');
  assert.equal(endpoints['out'], 1);
  const [row] = endpoints['rows'] as Record<string, unknown>[];
  assert.equal(row?.['endpoint'], `127.0.0.1:${String(refusing)}`);
  assert.equal(row['state'], 'ejected');
  assert.equal(row['reason'], 'connect');
  assert.deepEqual(row['backends'], ['default/web:80']);
  const left = row['secondsLeft'] as number;
  assert.ok(left > 30 && left <= 60, String(left));

  const explained = await json(serve.statusPort, '/api/explain?host=shop.example.com&target=/');
  const health = explained['endpointHealth'] as { endpoint: string; state: string }[];
  const states = Object.fromEntries(health.map((note) => [note.endpoint, note.state]));
  assert.deepEqual(states, {
    [`127.0.0.1:${String(up.port)}`]: 'in-rotation',
    [`127.0.0.1:${String(refusing)}`]: 'ejected',
  });
});

test('a retry the budget refuses is counted per Ingress and Service', async (t) => {
  const up = await startEchoUpstream('up');
  const refusing = [await closedPort(), await closedPort(), await closedPort()];
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('shop', 'shop.example.com', { '/': 'web' }),
    ...serviceWithEndpoints('web', [up.port, ...refusing]),
  ]);
  // No budget at all: the first retry the rules allow is refused. Ejection off, so that the
  // refusing endpoints keep taking first attempts.
  const serve = await startServeProcess('serve', [
    // One process: passive health is per worker (docs/workers.md), and these counts are exact.
    ...ONE_WORKER,
    '--manifests',
    dir,
    '--access-log',
    'off',
    '--retry-budget-percent',
    '0',
    '--retry-budget-min-per-second',
    '0',
    '--outlier-consecutive-failures',
    '0',
  ]);
  t.after(async () => {
    await serve.stop();
    await up.close();
  });
  let failed = 0;
  for (let i = 0; i < 8; i++) {
    const reply = await send(serve.httpPort, { headers: { host: 'shop.example.com' } });
    if (reply.status === 502) failed++;
    else assert.equal(reply.status, 200);
  }
  // Round robin over four endpoints, three refusing: six of eight first attempts fail.
  assert.ok(failed >= 4, String(failed));
  const samples = await scrape(serve.adminPort);
  const labels = { namespace: 'default', ingress: 'shop', service: 'web' };
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_retry_budget_exhausted_total', labels),
    failed,
  );
  assert.equal(
    sampleValue(samples, 'pointsman_upstream_ejected_endpoints', {
      namespace: 'default',
      service: 'web',
    }),
    undefined,
  );
});
