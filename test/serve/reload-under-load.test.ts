// Hitless reloads: the manifests are rewritten 100 times (routes and endpoints change) while a
// client keeps requests flowing and a WebSocket stays open; no request fails and the WebSocket
// keeps echoing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { startWebSocketEcho } from '../helpers/ws-echo.ts';

const REWRITES = 100;

test('100 manifest rewrites under load: zero failed requests, the WebSocket stays open', async (t) => {
  const upstreamA = await startEchoUpstream('a');
  const upstreamB = await startEchoUpstream('b');
  const ws = await startWebSocketEcho();
  const dir = await manifestDir();
  const file = join(dir, 'app.yaml');
  const objectsFor = (round: number): object[] => [
    INGRESS_CLASS,
    ingress('app', null, {
      '/': 'web',
      '/ws': 'ws',
      [`/extra-${String(round)}`]: 'web',
    }),
    // Endpoints alternate between one upstream and both, so the endpoint fast path changes too.
    ...serviceWithEndpoints(
      'web',
      round % 2 === 0 ? [upstreamA.port, upstreamB.port] : [upstreamA.port],
    ),
    ...serviceWithEndpoints('ws', [ws.port]),
  ];
  await writeManifests(file, objectsFor(0));
  const serve = await startServeProcess('serve', ['--manifests', dir]);
  try {
    const base = `http://127.0.0.1:${String(serve.httpPort)}`;
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
      const deadline = Date.now() + 60_000;
      while (!load.stop && Date.now() < deadline && sent < 20_000) {
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

    for (let round = 1; round <= REWRITES; round++) {
      await writeManifests(file, objectsFor(round));
      socket.send(`ping ${String(round)}`);
      await sleep(20);
    }
    // The last rewrite is live once /extra-100 routes.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${base}/extra-${String(REWRITES)}`);
      await response.arrayBuffer();
      if (response.status === 200) break;
      await sleep(50);
    }
    load.stop = true;
    await client;
    socket.send('last');
    const echoDeadline = Date.now() + 5_000;
    while (!echoes.includes('last') && Date.now() < echoDeadline) await sleep(20);

    assert.deepEqual(failures, [], `${String(failures.length)} of ${String(sent)} requests failed`);
    assert.ok(sent >= 100, `only ${String(sent)} requests were sent during the rewrites`);
    assert.equal(closed, false, 'the WebSocket was closed by a reload');
    assert.equal(echoes.length, REWRITES + 1, 'every WebSocket message was echoed');
    assert.ok(upstreamB.requests > 0, 'the second endpoint never received traffic');
    const swaps = serve.logs.filter((entry) => entry['msg'] === 'route table live').length;
    assert.ok(swaps >= 3, `only ${String(swaps)} route tables went live`);
    t.diagnostic(`${String(sent)} requests, ${String(swaps)} route tables went live, 0 failures`);
    socket.close();
  } finally {
    await serve.stop();
    await Promise.all([upstreamA.close(), upstreamB.close(), ws.close()]);
  }
});
