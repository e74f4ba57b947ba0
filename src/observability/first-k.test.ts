import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { firstK } from './first-k.ts';

interface Item {
  readonly requests: number;
  readonly name: string;
}

function busiestFirst(a: Item, b: Item): number {
  return b.requests - a.requests || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

test('firstK gives what sorting everything and cutting gives (the oracle)', () => {
  const item = fc.record({ requests: fc.nat({ max: 20 }), name: fc.string({ maxLength: 3 }) });
  fc.assert(
    fc.property(
      fc.array(item, { maxLength: 200 }),
      fc.integer({ min: -2, max: 250 }),
      (items, k) => {
        const plain = (list: readonly Item[]) => list.map((i) => [i.requests, i.name]);
        const expected = [...items].sort(busiestFirst).slice(0, Math.max(0, k));
        assert.deepEqual(plain(firstK(items, k, busiestFirst)), plain(expected));
      },
    ),
    { numRuns: 300 },
  );
});

test('firstK keeps only k items whatever the input order', () => {
  const ascending = Array.from({ length: 10_000 }, (_, i) => ({ requests: i, name: `n${i}` }));
  assert.deepEqual(
    firstK(ascending, 3, busiestFirst).map((i) => i.requests),
    [9_999, 9_998, 9_997],
  );
  assert.deepEqual(firstK(ascending, 0, busiestFirst), []);
});
