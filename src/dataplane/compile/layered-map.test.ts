import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../../test/helpers/seeded-random.ts';
import { LayeredMap } from './layered-map.ts';

test('a layered map answers as a plain map through random changes, folding its layer', () => {
  const random = seededRandom(11);
  const keys = Array.from({ length: 300 }, (_, i) => `k${String(i)}`);
  const plain = new Map(keys.slice(0, 200).map((key) => [key, key]));
  let layered = LayeredMap.of(plain);
  const earlier: { map: LayeredMap<string>; copy: Map<string, string> }[] = [];
  for (let step = 0; step < 200; step++) {
    const changes = new Map<string, string | null>();
    for (let i = 0; i < 1 + Math.floor(random() * 8); i++) {
      const key = keys[Math.floor(random() * keys.length)] ?? 'k0';
      changes.set(key, random() < 0.3 ? null : `${key}@${String(step)}`);
    }
    earlier.push({ map: layered, copy: new Map(plain) });
    layered = layered.with(changes);
    for (const [key, value] of changes) {
      if (value === null) plain.delete(key);
      else plain.set(key, value);
    }
    assert.equal(layered.size, plain.size, `size at step ${String(step)}`);
    for (const key of keys)
      assert.equal(layered.get(key), plain.get(key), `${key} at ${String(step)}`);
  }
  // A derived map never changes the one it came from (requests in flight keep theirs).
  for (const { map, copy } of earlier) {
    for (const key of keys) assert.equal(map.get(key), copy.get(key));
  }
});
