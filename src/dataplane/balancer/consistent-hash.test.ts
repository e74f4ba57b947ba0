import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { ConsistentHash, HashRing, hashKey } from './consistent-hash.ts';

function backend(count: number, from = 0, id = 'b'): Backend {
  const endpoints: Endpoint[] = Array.from({ length: count }, (_, i) => ({
    address: `10.0.${String(Math.floor((from + i) / 250))}.${String((from + i) % 250)}`,
    port: 8080,
  }));
  return { id, namespace: 'ns', service: id, port: 80, endpoints, problem: null };
}

const KEYS = Array.from({ length: 10_000 }, (_, i) => `/items/${String(i)}?user=${String(i * 7)}`);

function assignment(hash: ConsistentHash, b: Backend): Map<string, string> {
  return new Map(KEYS.map((key) => [key, hash.pick(b, key)?.address ?? '']));
}

function moved(before: Map<string, string>, after: Map<string, string>): number {
  let count = 0;
  for (const [key, endpoint] of before) if (after.get(key) !== endpoint) count++;
  return count;
}

test('the same key goes to the same endpoint, whatever the order of the list', () => {
  const hash = new ConsistentHash();
  const b = backend(5);
  const reversed = { ...b, id: 'r', endpoints: [...b.endpoints].reverse() };
  for (const key of KEYS.slice(0, 500)) {
    assert.equal(hash.pick(b, key), hash.pick(b, key));
    assert.deepEqual(hash.pick(reversed, key), hash.pick(b, key));
  }
});

test('keys spread evenly: every one of 10 endpoints gets 10% ± 3.5% of 10,000 keys', () => {
  const counts = new Map<string, number>();
  for (const endpoint of assignment(new ConsistentHash(), backend(10)).values()) {
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
  }
  assert.equal(counts.size, 10);
  for (const [endpoint, count] of counts) {
    assert.ok(count > 650 && count < 1350, `${endpoint} got ${String(count)} keys`);
  }
});

test('adding an endpoint to 10 moves about 1/11 of 10,000 keys, all to the new one', () => {
  const hash = new ConsistentHash();
  const before = assignment(hash, backend(10));
  const after = assignment(hash, backend(11));
  const count = moved(before, after);
  assert.ok(count > 500 && count < 1400, `${String(count)} keys moved`);
  for (const [key, endpoint] of after) {
    if (before.get(key) !== endpoint) assert.equal(endpoint, '10.0.0.10');
  }
});

test('removing one endpoint of 10 moves only its keys (about 1/10), to all the others', () => {
  const hash = new ConsistentHash();
  const ten = backend(10);
  const before = assignment(hash, ten);
  const nine = { ...ten, endpoints: ten.endpoints.filter((_, i) => i !== 3) };
  const after = assignment(hash, nine);
  const count = moved(before, after);
  const owned = [...before.values()].filter((endpoint) => endpoint === '10.0.0.3').length;
  assert.equal(count, owned);
  assert.ok(count > 500 && count < 1500, `${String(count)} keys moved`);
  const receivers = new Set([...after].filter(([key]) => before.get(key) === '10.0.0.3'));
  assert.ok(new Set([...receivers].map(([, endpoint]) => endpoint)).size >= 5);
});

test('subsets: a key always lands in one subset of the given size, any endpoint of it', () => {
  let turn = 0;
  const hash = new ConsistentHash({ random: () => (turn++ % 3) / 3 });
  const b = backend(7);
  // 7 endpoints in subsets of 3, in list order; the third is filled up from the start.
  const subsets = new Set(['0,1,2', '3,4,5', '0,1,6']);
  const used = new Set<string>();
  for (const key of KEYS.slice(0, 300)) {
    const seen = new Set(Array.from({ length: 6 }, () => hash.pick(b, key, 3)?.address));
    const subset = [...seen]
      .map((address) => address?.split('.')[3])
      .sort()
      .join(',');
    assert.ok(subsets.has(subset), `${key}: ${subset}`);
    used.add(subset);
  }
  assert.equal(used.size, 3);
});

test('no endpoints gives undefined; the ring of an empty list finds nothing', () => {
  assert.equal(new ConsistentHash().pick(backend(0), 'k'), undefined);
  assert.equal(new HashRing([]).find(5), -1);
});

test('hashKey is a stable 32-bit hash', () => {
  assert.equal(hashKey('a'), hashKey('a'));
  assert.notEqual(hashKey('a'), hashKey('b'));
  for (const key of KEYS.slice(0, 100)) assert.ok(hashKey(key) >= 0 && hashKey(key) < 2 ** 32);
});

test('retain drops the rings of backends that are gone', () => {
  const hash = new ConsistentHash();
  const b = backend(3);
  const picked = hash.pick(b, 'k');
  hash.retain(() => false);
  assert.deepEqual(hash.pick(b, 'k'), picked);
});

test('a new table with the same endpoints keeps the ring; a changed list builds a new one', () => {
  const hash = new ConsistentHash();
  const b = backend(4);
  const before = assignment(hash, b);
  const copy = { ...b, endpoints: b.endpoints.map((endpoint) => ({ ...endpoint })) };
  assert.deepEqual(assignment(hash, copy), before);
  const three = { ...b, endpoints: b.endpoints.slice(0, 3) };
  assert.ok([...assignment(hash, three).values()].every((address) => address !== '10.0.0.3'));
});
