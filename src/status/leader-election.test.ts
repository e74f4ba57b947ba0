import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturingLogger } from '../../test/helpers/capturing-logger.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock } from '../store/index.ts';
import { FakeStatusClient } from './fake-status-client.ts';
import { StatusApiError } from './status-client.ts';
import { LeaderElector, checkElectionTimings, microTime } from './leader-election.ts';
import { elapse, settle } from './test-support.ts';

interface Candidate {
  readonly elector: LeaderElector;
  readonly log: string[];
}

function candidate(client: FakeStatusClient, clock: FakeClock, identity: string): Candidate {
  const log: string[] = [];
  const elector = new LeaderElector({
    client,
    namespace: 'pointsman',
    name: 'pointsman-leader',
    identity,
    logger: silentLogger(),
    clock,
    wallClock: () => 1_700_000_000_000 + clock.now(),
    random: () => 0,
    onStartedLeading: () => log.push(`${identity} started`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
    onNewLeader: (leader) => log.push(`${identity} sees ${leader === '' ? '(none)' : leader}`),
  });
  return { elector, log };
}

function lease(client: FakeStatusClient) {
  const stored = client.leases.get('pointsman/pointsman-leader');
  assert.ok(stored, 'the lease exists');
  return stored.spec;
}

test('the first replica creates the Lease and leads; a second one waits', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  const b = candidate(client, clock, 'pod-b');
  a.elector.start();
  await settle();
  b.elector.start();
  await settle();
  assert.equal(a.elector.leading, true);
  assert.equal(b.elector.leading, false);
  assert.equal(b.elector.leader, 'pod-a');
  assert.deepEqual(a.log, ['pod-a started']);
  assert.deepEqual(lease(client), {
    holderIdentity: 'pod-a',
    leaseDurationSeconds: 15,
    acquireTime: microTime(1_700_000_000_000),
    renewTime: microTime(1_700_000_000_000),
    leaseTransitions: 0,
  });
  assert.match(lease(client).renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  await elapse(clock, 60_000);
  assert.equal(b.elector.leading, false, 'a renewed lease is never taken');
  assert.deepEqual(a.log, ['pod-a started']);
  await a.elector.stop({ release: false });
  await b.elector.stop();
});

test('the leader renews every retry period with a PUT naming the version it read', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  a.elector.start();
  await settle();
  const acquired = lease(client);
  const updatesBefore = client.count('updateLease');
  await elapse(clock, 10_000);
  assert.equal(client.count('updateLease') - updatesBefore, 5, 'one renewal per 2 s');
  const renewed = lease(client);
  assert.equal(renewed.acquireTime, acquired.acquireTime, 'a renewal keeps the acquire time');
  assert.equal(renewed.renewTime, microTime(1_700_000_010_000));
  assert.equal(renewed.leaseTransitions, 0);
  await a.elector.stop({ release: false });
});

test('a leader whose renewals fail stops leading exactly at the renew deadline', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  a.elector.start();
  await settle();
  await elapse(clock, 2_000); // renewed at t=2000
  client.failNext('getLease', 100);
  await elapse(clock, 9_900);
  assert.equal(a.elector.leading, true, 'still within 10 s of the last renewal');
  await elapse(clock, 200);
  assert.equal(a.elector.leading, false);
  assert.deepEqual(a.log, ['pod-a started', 'pod-a stopped']);
  await a.elector.stop({ release: false });
});

test('a renewal that hangs does not extend leadership past the deadline', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  a.elector.start();
  await settle();
  client.hold('updateLease');
  await elapse(clock, 9_900);
  assert.equal(a.elector.leading, true);
  await elapse(clock, 200);
  assert.equal(a.elector.leading, false, 'stopped while the request still hangs');
  await elapse(clock, 2_000);
  client.release('updateLease');
  await settle();
  assert.equal(a.elector.leading, false, 'a renewal answered 10 s after it was sent is void');
  await elapse(clock, 2_000);
  assert.equal(a.elector.leading, true, 'the next renewal, answered in time, leads again');
  assert.deepEqual(a.log, ['pod-a started', 'pod-a stopped', 'pod-a started']);
  await a.elector.stop({ release: false });
});

test('a replica that dies without releasing is replaced after the lease duration', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  const b = candidate(client, clock, 'pod-b');
  a.elector.start();
  await settle();
  b.elector.start();
  await elapse(clock, 4_000);
  await a.elector.stop({ release: false }); // a crash: the Lease still names pod-a
  const lastChange = clock.now();
  await elapse(clock, 14_000);
  assert.equal(b.elector.leading, false, 'not before 15 s without a change');
  const leading = (): boolean => b.elector.leading;
  while (!leading() && clock.now() - lastChange < 30_000) await elapse(clock, 100);
  assert.equal(b.elector.leading, true);
  // Seen changed at most a retry period late, then the lease duration, then the next try.
  assert.ok(clock.now() - lastChange <= 15_000 + 2 * 2_000, String(clock.now() - lastChange));
  assert.equal(lease(client).holderIdentity, 'pod-b');
  assert.equal(lease(client).leaseTransitions, 1);
  assert.deepEqual(b.log, ['pod-b sees pod-a', 'pod-b started']);
  await b.elector.stop();
});

test('expiry is judged by when the record was seen to change, not by its renewTime', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  // Another replica's clock is an hour behind: its renewTime looks long expired.
  await client.createLease('pointsman', 'pointsman-leader', {
    holderIdentity: 'pod-x',
    leaseDurationSeconds: 15,
    acquireTime: microTime(1_000),
    renewTime: microTime(1_000),
    leaseTransitions: 3,
  });
  const b = candidate(client, clock, 'pod-b');
  b.elector.start();
  await elapse(clock, 14_000);
  assert.equal(b.elector.leading, false);
  await elapse(clock, 3_000);
  assert.equal(b.elector.leading, true);
  assert.equal(lease(client).leaseTransitions, 4);
  await b.elector.stop();
});

test('stop() releases the Lease and another replica takes over within a retry period', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  const b = candidate(client, clock, 'pod-b');
  a.elector.start();
  await settle();
  b.elector.start();
  await elapse(clock, 1_000);
  await a.elector.stop();
  assert.deepEqual(a.log, ['pod-a started', 'pod-a stopped', 'pod-a sees (none)']);
  assert.equal(lease(client).holderIdentity, '');
  assert.equal(lease(client).leaseDurationSeconds, 1);
  await elapse(clock, 2_000);
  assert.equal(b.elector.leading, true);
  assert.equal(lease(client).holderIdentity, 'pod-b');
  await b.elector.stop();
});

test('a leader that sees another holder stops at once', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const a = candidate(client, clock, 'pod-a');
  a.elector.start();
  await settle();
  const stored = client.leases.get('pointsman/pointsman-leader');
  assert.ok(stored);
  await client.updateLease(stored, { ...stored.spec, holderIdentity: 'pod-z' });
  await elapse(clock, 2_000);
  assert.equal(a.elector.leading, false);
  assert.deepEqual(a.log, ['pod-a started', 'pod-a sees pod-z', 'pod-a stopped']);
  await a.elector.stop();
  assert.equal(lease(client).holderIdentity, 'pod-z', 'a Lease held by another is not released');
});

test('two replicas racing for a free Lease: one wins, the other gets a conflict', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  await client.createLease('pointsman', 'pointsman-leader', {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: null,
    renewTime: null,
    leaseTransitions: 2,
  });
  const a = candidate(client, clock, 'pod-a');
  const b = candidate(client, clock, 'pod-b');
  a.elector.start();
  b.elector.start();
  await settle();
  assert.equal([a, b].filter((c) => c.elector.leading).length, 1);
  await elapse(clock, 20_000);
  assert.equal([a, b].filter((c) => c.elector.leading).length, 1);
  await a.elector.stop();
  await b.elector.stop();
});

test('timings that cannot work are refused', () => {
  const ok = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
  assert.equal(checkElectionTimings(ok), null);
  assert.match(checkElectionTimings({ ...ok, renewDeadlineMs: 15_000 }) ?? '', /lease duration/);
  assert.match(checkElectionTimings({ ...ok, retryPeriodMs: 9_000 }) ?? '', /renew deadline/);
  assert.throws(
    () =>
      new LeaderElector({
        client: new FakeStatusClient(),
        namespace: 'n',
        name: 'l',
        identity: 'i',
        logger: silentLogger(),
        retryPeriodMs: 0,
      }),
    RangeError,
  );
});

test('a refused Lease is a warning, once per message; routine failures stay at debug', async () => {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const { logger, lines } = capturingLogger('info');
  const forbidden = new StatusApiError('Http', 403, 'HTTP 403: leases is forbidden');
  client.failNext('getLease', 5, forbidden);
  client.failNext('getLease', 1);
  const elector = new LeaderElector({
    client,
    namespace: 'pointsman',
    name: 'pointsman-leader',
    identity: 'pod-a',
    logger,
    clock,
    wallClock: () => 1_700_000_000_000 + clock.now(),
    random: () => 0,
  });
  elector.start();
  await elapse(clock, 60_000);
  const warnings = lines.filter((line) => line['level'] === 40);
  assert.equal(warnings.length, 1, JSON.stringify(lines));
  const [warning] = warnings;
  assert.ok(warning);
  assert.equal(warning['kind'], 'Lease');
  assert.equal(warning['name'], 'pointsman-leader');
  assert.match(warning.msg, /refused the leader Lease/);
  assert.equal(elector.leading, true, 'it leads once the API server lets it');
  await elector.stop();
});
