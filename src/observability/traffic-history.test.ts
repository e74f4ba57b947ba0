import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficHistory } from './traffic-history.ts';

function clock(start: number) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test('counts per Ingress land in 10 s buckets, newest last', () => {
  const time = clock(1_000_000);
  const history = new TrafficHistory({ now: time.now, buckets: 6 });
  history.count('shop', 'web', 200);
  history.count('shop', 'web', 503);
  time.advance(10_000);
  history.count('shop', 'web', 404);
  history.count('', '', 404);
  const snapshot = history.snapshot();
  assert.equal(snapshot.bucketSeconds, 10);
  assert.equal(snapshot.end, 1_020);
  const web = snapshot.ingresses.find((i) => i.name === 'web');
  assert.ok(web);
  assert.deepEqual(web.requests, [0, 0, 0, 0, 2, 1]);
  assert.deepEqual(web.serverErrors, [0, 0, 0, 0, 1, 0]);
  assert.deepEqual(web.clientErrors, [0, 0, 0, 0, 0, 1]);
  assert.deepEqual(web.total, { requests: 3, serverErrors: 1, clientErrors: 1 });
  assert.deepEqual(snapshot.all.requests, [0, 0, 0, 0, 2, 2]);
  assert.equal(snapshot.matched, 2);
  assert.equal(snapshot.ingresses[0]?.name, 'web', 'busiest first');
});

test('buckets older than the window are cleared, and idle Ingresses dropped', () => {
  const time = clock(0);
  const history = new TrafficHistory({ now: time.now, buckets: 3, bucketMs: 1_000 });
  history.count('a', 'old', 200);
  time.advance(1_000);
  history.count('a', 'new', 200);
  time.advance(2_000);
  let snapshot = history.snapshot();
  assert.deepEqual(
    snapshot.ingresses.find((i) => i.name === 'old'),
    undefined,
  );
  assert.deepEqual(snapshot.ingresses.find((i) => i.name === 'new')?.requests, [1, 0, 0]);
  time.advance(60_000);
  snapshot = history.snapshot();
  assert.equal(snapshot.matched, 0);
  assert.deepEqual(snapshot.all.requests, [0, 0, 0]);
});

test('the snapshot filters by namespace/name and keeps the busiest within the limit', () => {
  const history = new TrafficHistory({ now: () => 0 });
  for (let i = 0; i < 30; i++) {
    for (let n = 0; n <= i; n++) history.count('team', `app-${String(i)}`, 200);
  }
  history.count('other', 'thing', 200);
  const top = history.snapshot('team/', 5);
  assert.equal(top.matched, 30);
  assert.deepEqual(
    top.ingresses.map((i) => i.name),
    ['app-29', 'app-28', 'app-27', 'app-26', 'app-25'],
  );
  assert.equal(history.snapshot('THING').ingresses[0]?.namespace, 'other');
});

test('ranking reads the window: totals drop as old buckets leave it', () => {
  const time = clock(0);
  const history = new TrafficHistory({ now: time.now, buckets: 3, bucketMs: 1_000 });
  for (let i = 0; i < 5; i++) history.count('a', 'burst', 503);
  time.advance(1_000);
  for (let i = 0; i < 3; i++) history.count('a', 'steady', 404);
  time.advance(1_000);
  history.count('a', 'burst', 200);
  let snapshot = history.snapshot();
  assert.deepEqual(
    snapshot.ingresses.map((i) => [i.name, i.total.requests]),
    [
      ['burst', 6],
      ['steady', 3],
    ],
  );
  time.advance(1_000);
  snapshot = history.snapshot('', 1);
  assert.equal(snapshot.matched, 2);
  assert.deepEqual(
    snapshot.ingresses.map((i) => [i.name, i.total]),
    [['steady', { requests: 3, serverErrors: 0, clientErrors: 3 }]],
    'the burst left the window: one request is left of it',
  );
  assert.deepEqual(history.snapshot('burst').ingresses[0]?.total, {
    requests: 1,
    serverErrors: 0,
    clientErrors: 0,
  });
  for (const row of history.snapshot().ingresses) {
    assert.equal(
      row.requests.reduce((a, b) => a + b, 0),
      row.total.requests,
      `${row.name}: the total is the sum of the buckets`,
    );
  }
  assert.deepEqual(history.overall().all.total, { requests: 4, serverErrors: 0, clientErrors: 3 });
});
