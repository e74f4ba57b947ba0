import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIpAddress } from '../../ir/index.ts';
import { LimitState, clientWords, type RequestZone } from './limit-state.ts';
import { KEY_WORDS, RateTable } from './rate-table.ts';

const keyOf = (n: number): Int32Array => new Int32Array([n % 7, 4, n, n * 31, 0, -n]);
const client = (text: string): Int32Array => clientWords(parseIpAddress(text));

test('the rate table agrees with an LRU model and never holds more than its capacity', () => {
  const capacity = 64;
  // A small seed-fixed table, so that probe runs collide and wrap around the end.
  const table = new RateTable(capacity, 12345);
  const model = new Map<number, number>();
  let state = 1;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  for (let step = 0; step < 200_000; step++) {
    const n = next() % 200;
    const entry = table.find(keyOf(n));
    const known = model.get(n);
    if (known === undefined) {
      assert.equal(entry, -1, `step ${String(step)}: ${String(n)} should be absent`);
      if (model.size >= capacity) model.delete(model.keys().next().value as number);
      model.set(n, step);
      table.insert(keyOf(n), step, step);
    } else {
      assert.ok(entry >= 0, `step ${String(step)}: ${String(n)} should be present`);
      assert.equal(table.excessOf(entry), known);
      model.delete(n);
      model.set(n, step);
      table.update(entry, step, step);
    }
    assert.ok(table.size <= capacity);
  }
  assert.equal(table.size, capacity);
  assert.equal(KEY_WORDS, 6);
});

test('rate state stays within capacity under a flood of distinct clients', () => {
  const state = new LimitState({ capacity: 1000, now: () => 0 });
  const zone: RequestZone = { zone: state.zoneId('z\0rps'), perSecond: 1, burst: 5 };
  for (let i = 0; i < 50_000; i++) {
    state.takeRequest(client(`10.0.${String(i >> 8)}.${String(i & 255)}`), [zone]);
    assert.ok(state.bucketCount <= 1000);
  }
  assert.equal(state.bucketCount, 1000);
});

test('limit_req with nodelay: burst + 1 at once, then one per 1/rate, with an injected clock', () => {
  let now = 0;
  const state = new LimitState({ now: () => now });
  const zone: RequestZone = { zone: state.zoneId('z\0rps'), perSecond: 2, burst: 10 };
  const a = client('192.0.2.1');
  const passed = (): number => {
    let count = 0;
    for (let i = 0; i < 100; i++) if (state.takeRequest(a, [zone])) count++;
    return count;
  };
  assert.equal(passed(), 11);
  now += 499;
  assert.equal(passed(), 0);
  now += 1;
  assert.equal(passed(), 1);
  now += 10_000;
  assert.equal(passed(), 11);
  // Another client, or the same client in another zone, has a bucket of its own.
  assert.equal(state.takeRequest(client('192.0.2.2'), [zone]), true);
  assert.equal(state.takeRequest(a, [{ ...zone, zone: state.zoneId('y\0rps') }]), true);
});

test('a request refused by one zone is counted in none', () => {
  const state = new LimitState({ now: () => 0 });
  const a = client('2001:db8::1');
  const rps: RequestZone = { zone: state.zoneId('rps'), perSecond: 100, burst: 100 };
  const rpm: RequestZone = { zone: state.zoneId('rpm'), perSecond: 1 / 60, burst: 2 };
  assert.equal(state.takeRequest(a, [rps, rpm]), true);
  assert.equal(state.takeRequest(a, [rps, rpm]), true);
  assert.equal(state.takeRequest(a, [rps, rpm]), true);
  for (let i = 0; i < 50; i++) assert.equal(state.takeRequest(a, [rps, rpm]), false);
  // rps took 3 requests, not 53: 98 more fit in its burst.
  let more = 0;
  while (more < 200 && state.takeRequest(a, [rps])) more++;
  assert.equal(more, 98);
});

test('in-flight slots: at most the limit, released once each, per zone and client', () => {
  const state = new LimitState({ capacity: 2 });
  const zone = state.zoneId('z\0conn');
  const a = client('192.0.2.1');
  const first = state.acquire(zone, a, 2);
  const second = state.acquire(zone, a, 2);
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(state.acquire(zone, a, 2), undefined);
  assert.equal(state.inFlightCount, 1);
  first();
  first();
  const third = state.acquire(zone, a, 2);
  assert.ok(third !== undefined);
  assert.equal(state.acquire(zone, a, 2), undefined);
  // Another zone counts apart.
  const elsewhere = state.acquire(state.zoneId('y\0conn'), a, 1);
  assert.ok(elsewhere !== undefined);
  second();
  third();
  elsewhere();
  assert.equal(state.inFlightCount, 0);
});

test('in-flight counts stay within capacity under a flood; busy entries are never evicted', () => {
  const state = new LimitState({ capacity: 100 });
  const zone = state.zoneId('z\0conn');
  const held: (() => void)[] = [];
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    const release = state.acquire(zone, client(`10.1.${String(i >> 8)}.${String(i & 255)}`), 1);
    if (release === undefined) {
      refused++;
      continue;
    }
    if (i % 2 === 0) release();
    else held.push(release);
    assert.ok(state.inFlightCount <= 100);
  }
  // Every held slot stays counted: the table fills with them, then new clients are refused
  // (nginx's limit_conn with a full zone) instead of forgetting a live count.
  assert.equal(held.length, 100);
  assert.equal(state.inFlightCount, 100);
  assert.equal(refused, 10_000 - 200);
  for (const release of held) release();
  assert.equal(state.inFlightCount, 0);
  // Released, the entries can be forgotten again: new clients fit.
  for (let i = 0; i < 1000; i++) {
    const release = state.acquire(zone, client(`10.2.${String(i >> 8)}.${String(i & 255)}`), 1);
    assert.ok(release !== undefined, `client ${String(i)} after the release`);
    release();
  }
});

test("a flood of distinct addresses does not reset another client's connection limit", () => {
  // The reproduction of the finding: one request from each of many addresses (one IPv6 /64
  // holds plenty), each released at once, used to evict the held client's count.
  const state = new LimitState({ capacity: 100 });
  const zone = state.zoneId('ns/app\0conn');
  const me = client('2001:db8::1');
  let held = 0;
  for (let i = 0; i < 5; i++) if (state.acquire(zone, me, 2) !== undefined) held++;
  assert.equal(held, 2);
  for (let i = 0; i < 1000; i++) {
    const other = client(`2001:db8:1::${i.toString(16)}`);
    state.acquire(state.zoneId(i % 2 === 0 ? 'ns/app\0conn' : 'ns/other\0conn'), other, 2)?.();
  }
  for (let i = 0; i < 5; i++) if (state.acquire(zone, me, 2) !== undefined) held++;
  assert.equal(held, 2, 'held after the flood (limit 2)');
  assert.equal(state.inFlightCount, 1);
});

test('a table full of busy clients refuses new ones, and frees room as they finish', () => {
  const state = new LimitState({ capacity: 3 });
  const zone = state.zoneId('z\0conn');
  const releases = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((a) =>
    state.acquire(zone, client(a), 5),
  );
  assert.ok(releases.every((release) => release !== undefined));
  assert.equal(state.acquire(zone, client('192.0.2.9'), 5), undefined);
  // Busy clients still count up to their own limit.
  assert.ok(state.acquire(zone, client('192.0.2.1'), 5) !== undefined);
  releases[1]?.();
  const newcomer = state.acquire(zone, client('192.0.2.9'), 5);
  assert.ok(newcomer !== undefined);
  // 192.0.2.2 was the one evicted: it starts afresh, and the table is full again.
  assert.equal(state.acquire(zone, client('192.0.2.2'), 5), undefined);
  newcomer();
  assert.ok(state.acquire(zone, client('192.0.2.2'), 5) !== undefined);
});

test('rate table: pinned entries are skipped by eviction in O(1) and come back as newest', () => {
  const table = new RateTable(4, 7);
  const entries = [1, 2, 3, 4].map((n) => table.insert(keyOf(n), n, 0));
  table.pin(entries[0] as number);
  table.pin(entries[2] as number);
  // Full: the oldest unpinned (2) goes, then 4; pinned 1 and 3 stay.
  assert.ok(table.insert(keyOf(5), 5, 0) >= 0);
  assert.equal(table.find(keyOf(2)), -1);
  assert.ok(table.insert(keyOf(6), 6, 0) >= 0);
  assert.equal(table.find(keyOf(4)), -1);
  assert.equal(table.excessOf(table.find(keyOf(1))), 1);
  assert.ok(table.isPinned(table.find(keyOf(3))));
  table.pin(table.find(keyOf(5)));
  table.pin(table.find(keyOf(6)));
  assert.equal(table.insert(keyOf(7), 7, 0), -1, 'every entry pinned: nothing is evicted');
  assert.equal(table.size, 4);
  table.unpin(table.find(keyOf(3)));
  assert.ok(table.insert(keyOf(8), 8, 0) >= 0);
  assert.equal(table.find(keyOf(3)), -1);
  for (const n of [1, 5, 6, 8]) assert.ok(table.find(keyOf(n)) >= 0, `${String(n)} kept`);
});

test('a release from before clear() does not touch counts made after it', () => {
  const state = new LimitState({ capacity: 4 });
  const a = client('192.0.2.1');
  const old = state.acquire(state.zoneId('z\0conn'), a, 1);
  assert.ok(old !== undefined);
  state.clear();
  const zone = state.zoneId('z\0conn');
  assert.ok(state.acquire(zone, a, 1) !== undefined);
  old();
  assert.equal(state.acquire(zone, a, 1), undefined);
  assert.equal(state.inFlightCount, 1);
});

test('before its tables exist the state answers its counts; a bad capacity fails at once', () => {
  const state = new LimitState({ capacity: 8, now: () => 0 });
  assert.equal(state.bucketCount, 0);
  assert.equal(state.inFlightCount, 0);
  state.clear();
  assert.throws(() => new LimitState({ capacity: 0 }), RangeError);
  const zone = state.zoneId('z');
  assert.equal(state.takeRequest(clientWords(undefined), [{ zone, perSecond: 1, burst: 1 }]), true);
  assert.equal(state.bucketCount, 1);
});
