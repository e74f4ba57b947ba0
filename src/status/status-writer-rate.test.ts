import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectResult } from '../ir/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock } from '../store/index.ts';
import { FakeStatusClient } from './fake-status-client.ts';
import type { RebuildOutcome } from './ingress-outcomes.ts';
import { startStatus } from './start-status.ts';
import type { IngressState, LoadBalancerAddress } from './status-client.ts';
import { StatusWriter, type StatusWriterOptions } from './status-writer.ts';
import { elapse, TEST_ELECTION } from './test-support.ts';
import { DEFAULT_WRITE_RATE, workersFor } from './write-rate.ts';

/** A fake API server whose status updates take `latencyMs` of the fake clock. */
class SlowClient extends FakeStatusClient {
  readonly #clock: FakeClock;
  readonly #latencyMs: number;
  inFlight = 0;
  mostInFlight = 0;

  constructor(clock: FakeClock, latencyMs: number) {
    super();
    this.#clock = clock;
    this.#latencyMs = latencyMs;
  }

  override async updateIngressStatus(
    ingress: IngressState,
    addresses: readonly LoadBalancerAddress[],
  ): Promise<IngressState> {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, this.#latencyMs));
    this.inFlight--;
    return super.updateIngressStatus(ingress, addresses);
  }
}

/** Closes a writer while time moves on, so that the slow requests in flight can end. */
async function close(statuses: StatusWriter, clock: FakeClock): Promise<void> {
  const closed = statuses.close();
  await elapse(clock, 1_000, 5);
  await closed;
}

/** `count` new Ingresses in `client`, and the rebuild that says they are all live. */
function newIngresses(client: FakeStatusClient, count: number): RebuildOutcome {
  const results: ObjectResult[] = [];
  for (let i = 0; i < count; i++) {
    const name = `app-${String(i)}`;
    client.putIngress('web', name);
    results.push({ kind: 'Ingress', namespace: 'web', name, state: 'Accepted', problems: [] });
  }
  return { results, servingLastGood: [] };
}

/** The watch cache of `client`'s Ingresses: with it, a status update costs one request. */
function cacheOf(client: FakeStatusClient): (namespace: string, name: string) => unknown {
  return (namespace, name) => {
    const state = client.ingresses.get(`${namespace}/${name}`);
    if (state === undefined) return undefined;
    const { uid, resourceVersion } = state;
    return {
      metadata: { namespace, name, uid, resourceVersion },
      status: { loadBalancer: { ingress: state.addresses } },
    };
  };
}

function writer(
  client: FakeStatusClient,
  clock: FakeClock,
  options: Partial<StatusWriterOptions> = {},
): StatusWriter {
  return new StatusWriter({
    client,
    addressSource: { kind: 'static', addresses: [{ ip: '203.0.113.10' }] },
    lookupIngress: cacheOf(client),
    logger: silentLogger(),
    identity: 'pod-a',
    clock,
    ...options,
  });
}

test('the rate and burst are the options given, not constants', async () => {
  for (const [requestsPerSecond, burst] of [
    [100, 200],
    [250, 10],
    [7, 3],
  ] as const) {
    const client = new FakeStatusClient();
    const clock = new FakeClock();
    const statuses = writer(client, clock, { requestsPerSecond, burst });
    const outcome = newIngresses(client, burst + 3 * requestsPerSecond + 50);
    statuses.setLeading(true);
    statuses.update(outcome);
    const label = `${String(requestsPerSecond)}/s, burst ${String(burst)}`;
    const writes = (): number => client.count('updateIngressStatus');
    await elapse(clock, 0);
    assert.equal(writes(), burst, `${label}: the burst at once`);
    // A token drips in every 1000/rate ms; the one due at the end of a second may be a
    // millisecond late (the bucket's timer rounds up).
    await elapse(clock, 1_000, 5);
    assert.ok(writes() - burst >= requestsPerSecond - 1, `${label}: ${String(writes())}`);
    assert.ok(writes() - burst <= requestsPerSecond, `${label}: ${String(writes())}`);
    await elapse(clock, 2_000, 5);
    assert.ok(writes() - burst >= 3 * requestsPerSecond - 1, `${label}: ${String(writes())}`);
    assert.ok(writes() - burst <= 3 * requestsPerSecond, `${label}: ${String(writes())}`);
    await statuses.close();
  }
});

test('by default 100 requests/s after a burst of 200, and 150 ms requests do not slow it', async () => {
  assert.deepEqual(DEFAULT_WRITE_RATE, { requestsPerSecond: 100, burst: 200 });
  assert.equal(workersFor(100), 20);
  const clock = new FakeClock();
  const client = new SlowClient(clock, 150);
  const statuses = writer(client, clock);
  statuses.setLeading(true);
  statuses.update(newIngresses(client, 3_000));
  // 20 workers at 150 ms a request could send 133/s: the burst drains, then the rate rules.
  await elapse(clock, 10_000, 5);
  const at10s = client.count('updateIngressStatus');
  await elapse(clock, 10_000, 5);
  const at20s = client.count('updateIngressStatus');
  assert.ok(Math.abs(at20s - at10s - 1_000) <= 2, `${String(at20s - at10s)} writes in 10 s`);
  assert.ok(at20s >= 200 + 20 * 100 - 20, `${String(at20s)} writes in 20 s`);
  assert.equal(client.mostInFlight, 20, 'the workers bound the requests in flight');
  await close(statuses, clock);
});

test('with 4 workers, 150 ms requests would be the limit (why the workers follow the rate)', async () => {
  const clock = new FakeClock();
  const client = new SlowClient(clock, 150);
  const statuses = writer(client, clock, { concurrency: 4 });
  statuses.setLeading(true);
  statuses.update(newIngresses(client, 1_000));
  await elapse(clock, 10_000, 5);
  const written = client.count('updateIngressStatus');
  assert.ok(written <= Math.ceil((4 * 10_000) / 150), `${String(written)} writes in 10 s`);
  await close(statuses, clock);
});

test('startStatus takes the rate from the settings (--status-write-rate/-burst)', async () => {
  const clock = new FakeClock();
  const client = new FakeStatusClient();
  const outcome = newIngresses(client, 100);
  const running = startStatus({
    loop: {
      status: () => ({ ...outcome, ready: true }),
      onRebuild: () => () => undefined,
    },
    client,
    settings: {
      election: TEST_ELECTION,
      addressSource: { kind: 'static', addresses: [{ ip: '203.0.113.10' }] },
      writeRate: { requestsPerSecond: 10, burst: 5 },
    },
    lookupIngress: cacheOf(client),
    logger: silentLogger(),
    clock,
  });
  await elapse(clock, 0);
  assert.equal(running.leading, true);
  assert.equal(client.count('updateIngressStatus'), 5);
  await elapse(clock, 1_000, 5);
  assert.equal(client.count('updateIngressStatus'), 15);
  await running.stop();
});
