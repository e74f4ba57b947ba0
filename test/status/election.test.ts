import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/observability/index.ts';
import { LeaderElector } from '../../src/status/index.ts';
import { startApi, until, type ApiFixture } from './support.ts';

// Short timings (lease 1 s) so that takeovers happen within a test's patience.
const TIMINGS = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

let api: ApiFixture;
before(async () => {
  api = await startApi();
});
after(async () => {
  await api.close();
});

async function elector(identity: string, name: string): Promise<LeaderElector> {
  const candidate = new LeaderElector({
    client: await api.client({ requestTimeoutMs: 500 }),
    namespace: 'pointsman',
    name,
    identity,
    logger: silentLogger(),
    ...TIMINGS,
  });
  candidate.start();
  return candidate;
}

function holder(name: string): unknown {
  const lease = api.server.get('Lease', { namespace: 'pointsman', name });
  return (lease?.['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity;
}

test('two replicas on one Lease: one leads; the other takes over at once on release', async () => {
  const a = await elector('pod-a', 'release');
  await until(() => a.leading);
  const b = await elector('pod-b', 'release');
  await until(() => b.leader === 'pod-a');
  assert.equal(b.leading, false);
  assert.equal(holder('release'), 'pod-a');
  const released = Date.now();
  await a.stop();
  assert.equal(a.leading, false);
  await until(() => b.leading);
  assert.ok(Date.now() - released < 1_000, 'no wait for the lease duration after a release');
  assert.equal(holder('release'), 'pod-b');
  const spec = api.server.get('Lease', { namespace: 'pointsman', name: 'release' })?.['spec'] as {
    leaseTransitions: number;
    renewTime: string;
  };
  assert.equal(spec.leaseTransitions, 1);
  assert.match(spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  await b.stop();
});

test('a replica that dies without releasing is replaced once its lease runs out', async () => {
  const a = await elector('pod-a', 'crash');
  await until(() => a.leading);
  const b = await elector('pod-b', 'crash');
  await until(() => b.leader === 'pod-a');
  await a.stop({ release: false });
  const died = Date.now();
  await until(() => b.leading, 5_000);
  const waited = Date.now() - died;
  assert.ok(waited >= 800, `took over after ${String(waited)} ms, not before the lease ran out`);
  assert.equal(holder('crash'), 'pod-b');
  await b.stop();
});

test('a leader cut off from the API server stops leading within the renew deadline', async () => {
  const a = await elector('pod-a', 'cut-off');
  await until(() => a.leading);
  api.server.hangNext(1_000, (request) => request.path.includes('/leases/cut-off'));
  const cut = Date.now();
  await until(() => !a.leading, 3_000);
  assert.ok(Date.now() - cut < 1_000, 'stopped before anyone else could take over');
  await a.stop({ release: false });
});
