import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstBackendFrom, forEachChange } from './sorted-changes.ts';

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

test('firstBackendFrom: the place of an id, or of the first id after it', () => {
  const backends = ['a/api:80', 'a/web:80', 'a/web:8080', 'b/web:80'].map((id) => ({ id }));
  assert.equal(firstBackendFrom(backends, 'a/web:80'), 1);
  assert.equal(firstBackendFrom(backends, 'a/web:'), 1);
  assert.equal(firstBackendFrom(backends, 'a/'), 0);
  assert.equal(firstBackendFrom(backends, 'a/x'), 3);
  assert.equal(firstBackendFrom(backends, 'c/'), 4);
  assert.equal(firstBackendFrom([], 'a'), 0);
});
