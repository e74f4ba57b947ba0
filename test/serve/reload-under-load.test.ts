// Hitless reloads: the manifests are rewritten 100 times (routes and endpoints change) while a
// client keeps requests flowing and a WebSocket stays open; every rewrite goes live, no request
// fails and the WebSocket keeps echoing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEcho, startEchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus-text.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';
import { startWebSocketEcho } from '../helpers/ws-echo.ts';

const REWRITES = 100;
/** How long one rewrite may take to go live (debounce hold-off is 20 ms, at most 250 ms). */
const ROUND_TIMEOUT_MS = 5_000;
/** The whole rewrite phase; 100 rounds at ~150 ms each take ~15 s on a loaded 2-core machine. */
const REWRITES_TIMEOUT_MS = 50_000;

test('100 manifest rewrites under load: each goes live, zero failed requests, the WebSocket stays open', async (t) => {
  const upstreamA = await startEchoUpstream('a');
  const upstreamB = await startEchoUpstream('b');
  // `/extra-N` has its own upstream: `/` (to `web`) would answer any path with 200 as well, so
  // only a reply from `extra` proves that round N's table is the live one.
  const upstreamExtra = await startEchoUpstream('extra');
  const ws = await startWebSocketEcho();
  const dir = await manifestDir();
  const file = join(dir, 'app.yaml');
  const objectsFor = (round: number): object[] => [
    INGRESS_CLASS,
    ingress('app', null, {
      '/': 'web',
      '/ws': 'ws',
      [`/extra-${String(round)}`]: 'extra',
    }),
    // Endpoints alternate between one upstream and both, so the endpoint fast path changes too.
    ...serviceWithEndpoints(
      'web',
      round % 2 === 0 ? [upstreamA.port, upstreamB.port] : [upstreamA.port],
    ),
    ...serviceWithEndpoints('ws', [ws.port]),
    ...serviceWithEndpoints('extra', [upstreamExtra.port]),
  ];
  await writeManifests(file, objectsFor(0));
  const serve = await startServeProcess('serve', ['--manifests', dir]);
  try {
    const base = `http://127.0.0.1:${String(serve.httpPort)}`;
    const tablesLive = (): number =>
      serve.logs.filter((entry) => entry['msg'] === 'route table live').length;
    await until(() => tablesLive() >= 1);
    // Browsers' WebSocket (and Node's) cannot set Host, hence a host-less rule.
    const socket = new WebSocket(`ws://127.0.0.1:${String(serve.httpPort)}/ws`);
    const echoes: string[] = [];
    socket.addEventListener('message', (event) => {
      echoes.push(String(event.data));
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener(
        'open',
        () => {
          resolve();
        },
        { once: true },
      );
      socket.addEventListener(
        'error',
        () => {
          reject(new Error('WebSocket did not open'));
        },
        {
          once: true,
        },
      );
    });
    let closed = false;
    socket.addEventListener('close', () => {
      closed = true;
    });

    const load = { stop: false };
    let sent = 0;
    const failures: string[] = [];
    const client = (async () => {
      const deadline = Date.now() + REWRITES_TIMEOUT_MS + 10_000;
      while (!load.stop && Date.now() < deadline && sent < 200_000) {
        sent++;
        try {
          const response = await fetch(`${base}/items?n=${String(sent)}`);
          const body = await response.text();
          if (response.status !== 200) failures.push(`${String(response.status)} ${body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();

    const initialTables = tablesLive();
    const rewritesDeadline = Date.now() + REWRITES_TIMEOUT_MS;
    let live = 0;
    try {
      for (let round = 1; round <= REWRITES; round++) {
        assert.ok(Date.now() < rewritesDeadline, `only ${String(live)} rewrites went live in time`);
        await writeManifests(file, objectsFor(round));
        socket.send(`ping ${String(round)}`);
        // The swap is logged right after it happens, so the new path routes from then on.
        await until(() => tablesLive() >= initialTables + round, ROUND_TIMEOUT_MS);
        const response = await fetch(`${base}/extra-${String(round)}`);
        const body = await response.text();
        assert.equal(response.status, 200, `/extra-${String(round)}: ${body}`);
        assert.equal(parseEcho(body).name, 'extra', `round ${String(round)} is not live`);
        live++;
      }
    } finally {
      load.stop = true;
      await client;
    }
    socket.send('last');
    await until(() => echoes.includes('last'));

    const metrics = await fetch(`http://127.0.0.1:${String(serve.adminPort)}/metrics`);
    const reloads = sampleValue(parsePrometheus(await metrics.text()), 'pointsman_reloads_total');
    assert.deepEqual(failures, [], `${String(failures.length)} of ${String(sent)} requests failed`);
    assert.ok(sent >= 100, `only ${String(sent)} requests were sent during the rewrites`);
    assert.equal(live, REWRITES);
    assert.ok(
      tablesLive() - initialTables >= REWRITES,
      `only ${String(tablesLive() - initialTables)} route tables went live`,
    );
    // The first table counts as a reload too.
    assert.ok(
      reloads !== undefined && reloads >= REWRITES + 1,
      `pointsman_reloads_total is ${String(reloads)}`,
    );
    assert.equal(closed, false, 'the WebSocket was closed by a reload');
    assert.equal(echoes.length, REWRITES + 1, 'every WebSocket message was echoed');
    assert.equal(echoes.at(-1), 'last');
    assert.ok(upstreamB.requests > 0, 'the second endpoint never received traffic');
    t.diagnostic(
      `${String(sent)} requests, ${String(tablesLive())} route tables went live, 0 failures`,
    );
    socket.close();
  } finally {
    await serve.stop();
    await Promise.all([upstreamA.close(), upstreamB.close(), upstreamExtra.close(), ws.close()]);
  }
});
