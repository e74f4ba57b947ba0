import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectResult } from '../ir/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock } from '../store/index.ts';
import { FakeStatusClient } from './fake-status-client.ts';
import type { RebuildOutcome } from './ingress-outcomes.ts';
import { startStatus, type RebuildFeed } from './start-status.ts';
import { StatusApiError } from './status-client.ts';
import type { WriteOutcome } from './status-writer.ts';
import { elapse, TEST_ELECTION } from './test-support.ts';

function accepted(name: string): ObjectResult {
  return { kind: 'Ingress', namespace: 'web', name, state: 'Accepted', problems: [] };
}

/** A control loop stand-in: a live table with `results`, and rebuilds on demand. */
function feed(results: ObjectResult[]): RebuildFeed & { rebuild(outcome: RebuildOutcome): void } {
  const listeners = new Set<(event: RebuildOutcome) => void>();
  return {
    status: () => ({ ready: true, results, servingLastGood: [] }),
    onRebuild: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    rebuild: (outcome) => {
      for (const listener of listeners) listener(outcome);
    },
  };
}

test('startStatus: the leader writes from the live results and each rebuild, then releases', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  client.putIngress('web', 'shop');
  client.putIngress('web', 'blog');
  const loop = feed([accepted('shop')]);
  const leadership: boolean[] = [];
  const writes: WriteOutcome[] = [];
  const running = startStatus({
    loop,
    client,
    settings: {
      election: TEST_ELECTION,
      addressSource: { kind: 'static', addresses: [{ hostname: 'lb.example.com' }] },
    },
    logger: silentLogger(),
    clock,
    onLeaderChange: (leading) => leadership.push(leading),
    onWrite: (outcome) => writes.push(outcome),
  });
  await elapse(clock, 0);
  assert.equal(running.leading, true);
  assert.equal(running.leader, 'pod-a');
  assert.deepEqual(client.ingresses.get('web/shop')?.addresses, [{ hostname: 'lb.example.com' }]);
  loop.rebuild({ results: [accepted('shop'), accepted('blog')], servingLastGood: [] });
  await elapse(clock, 0);
  assert.deepEqual(client.ingresses.get('web/blog')?.addresses, [{ hostname: 'lb.example.com' }]);
  assert.deepEqual(writes, ['ok', 'ok']);
  await running.stop();
  assert.deepEqual(leadership, [true, false]);
  assert.equal(client.leases.get('ingress/pointsman-leader')?.spec.holderIdentity, '');
  loop.rebuild({ results: [], servingLastGood: [] });
  await elapse(clock, 5_000);
  assert.deepEqual(client.ingresses.get('web/shop')?.addresses, [{ hostname: 'lb.example.com' }]);
  assert.equal(running.stats().statusWrites, 2, 'nothing is written after stop');
});

test('a write that conflicts is counted as a conflict', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  client.putIngress('web', 'shop');
  client.failNext('updateIngressStatus', 1, new StatusApiError('Http', 409, 'HTTP 409'));
  client.failNext('updateIngressStatus', 1);
  const writes: WriteOutcome[] = [];
  const running = startStatus({
    loop: feed([accepted('shop')]),
    client,
    settings: {
      election: {
        id: 'l',
        namespace: 'n',
        identity: 'pod-a',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      addressSource: { kind: 'static', addresses: [{ ip: '192.0.2.1' }] },
    },
    logger: silentLogger(),
    clock,
    onWrite: (outcome) => writes.push(outcome),
  });
  await elapse(clock, 1_000);
  assert.deepEqual(writes, ['conflict', 'error', 'ok']);
  await running.stop();
});
