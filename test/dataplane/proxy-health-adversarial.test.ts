// Passive health must judge endpoints, not clients: what a client does (trickle its body, leave
// before the answer) must neither eject a healthy endpoint nor keep one out of rotation.
// Meant for test/dataplane/; these two tests fail against the change under review.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import type { Balancer } from '../../src/dataplane/index.ts';
import {
  createResilience,
  DEFAULT_OUTLIER_SETTINGS,
  type HealthEvent,
} from '../../src/dataplane/health/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { startProxy } from '../helpers/proxy-harness.ts';
import { rawResponse, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';

const upstreams: RawUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

async function rawUpstream(respond: Parameters<typeof startRawUpstream>[0]): Promise<RawUpstream> {
  const upstream = await startRawUpstream(respond);
  upstreams.push(upstream);
  return upstream;
}

/** A connection to the proxy that has written `bytes`; closed by the caller. */
async function open(port: number, bytes: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  // Read and drop the answer, so that the connection can end.
  socket.resume();
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(bytes);
  return socket;
}

describe('clients cannot steer passive health', () => {
  test('clients that trickle their bodies to upstreams enforcing a read deadline eject nothing', async () => {
    // Healthy upstreams that close a connection whose request is not in within 200 ms, as Go's
    // http.Server ReadTimeout does: the client's slowness, not theirs.
    const endpoints = [];
    for (let i = 0; i < 4; i++) {
      endpoints.push(
        await rawUpstream((_head, socket) => {
          setTimeout(() => socket.destroy(), 200);
        }),
      );
    }
    const events: HealthEvent[] = [];
    const resilience = createResilience({
      logger: silentLogger(),
      onEvent: (event) => events.push(event),
    });
    const proxy = await startProxy({
      tables: holderWith({ routes: [{ backend: 'b' }], backends: { b: loopback(...endpoints) } }),
      resilience,
    });
    try {
      // Twelve slow clients: three per endpoint under round robin, enough to eject each.
      for (let i = 0; i < 12; i++) {
        const socket = await open(
          proxy.port,
          'POST / HTTP/1.1\r\nHost: x.test\r\nContent-Length: 100\r\n\r\nab',
        );
        await delay(400);
        socket.destroy();
      }
      assert.deepEqual(events, []);
      assert.equal(resilience.health.outCount, 0);
    } finally {
      await proxy.close(100);
    }
  });

  test('a probe whose client leaves before the answer does not keep a healthy endpoint out', async () => {
    let requests = 0;
    // Resets its first three requests (ejected), healthy after that: answers in 100 ms.
    const recovering = await rawUpstream((_head, socket) => {
      if (++requests <= 3) {
        socket.destroy();
        return;
      }
      setTimeout(() => {
        if (!socket.destroyed) socket.write(rawResponse('200 OK', [], 'a'));
      }, 100);
    });
    const others = [];
    for (let i = 0; i < 3; i++) {
      others.push(
        await rawUpstream((_head, socket) => socket.write(rawResponse('200 OK', [], 'o'))),
      );
    }
    // The recovering endpoint whenever it is in the view: the probe is always the next request.
    const first: Balancer = { pick: (backend) => backend.endpoints[0], retain: () => undefined };
    const events: HealthEvent[] = [];
    const resilience = createResilience({
      logger: silentLogger(),
      outlier: { ...DEFAULT_OUTLIER_SETTINGS, baseEjectionMs: 300, maxEjectionMs: 300 },
      onEvent: (event) => events.push(event),
    });
    const proxy = await startProxy({
      tables: holderWith({
        routes: [{ backend: 'b', policies: { retry: { on: [] } } }],
        backends: { b: loopback(recovering, ...others) },
      }),
      balancer: first,
      resilience,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const socket = await open(
          proxy.port,
          'GET / HTTP/1.1\r\nHost: x.test\r\nConnection: close\r\n\r\n',
        );
        await new Promise((resolve) => socket.once('close', resolve));
      }
      assert.deepEqual(
        events.map((event) => event.type),
        ['ejected'],
      );
      // One request every 290 ms (about one per base ejection time), gone after 30 ms: before
      // the endpoint answers. Its state is read once the proxy has seen the client leave.
      const states: string[] = [];
      for (let i = 0; i < 10; i++) {
        const socket = await open(proxy.port, 'GET / HTTP/1.1\r\nHost: x.test\r\n\r\n');
        await delay(30);
        socket.destroy();
        await delay(50);
        states.push(resilience.health.snapshot()[0]?.state ?? 'untracked');
        await delay(210);
      }
      assert.ok(requests > 3, 'no request reached the recovering endpoint after its ejection');
      // A probe that ended without a verdict gives the endpoint back to probation at once.
      assert.ok(!states.includes('probing'), `states after each request: ${states.join(',')}`);
    } finally {
      await proxy.close(100);
    }
  });
});
