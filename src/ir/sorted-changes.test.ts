import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachChange } from './sorted-changes.ts';

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function changes<T extends { name: string }>(before: T[], after: T[]): string[] {
  const seen: string[] = [];
  forEachChange(before, after, byName, (item, sign) =>
    seen.push(`${sign > 0 ? '+' : '-'}${item.name}`),
  );
  return seen;
}

test('kept objects are skipped; gone, new and replaced ones are reported once each', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };
  const c = { name: 'c' };
  const b2 = { name: 'b' };
  const d = { name: 'd' };
  assert.deepEqual(changes([a, b, c], [a, b, c]), []);
  assert.deepEqual(changes([a, b, c], [a, b2, d]), ['-b', '+b', '-c', '+d']);
  assert.deepEqual(changes([], [a, b]), ['+a', '+b']);
  assert.deepEqual(changes([a, b], []), ['-a', '-b']);
});

test('out of order, the reports still balance: each item once', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };
  const c = { name: 'c' };
  const seen = changes([c, a], [a, b]);
  const count = (name: string): number =>
    seen.filter((entry) => entry === `+${name}`).length -
    seen.filter((entry) => entry === `-${name}`).length;
  assert.equal(count('a'), 0);
  assert.equal(count('b'), 1);
  assert.equal(count('c'), -1);
});
