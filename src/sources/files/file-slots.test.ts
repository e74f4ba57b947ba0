import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignSlots, MAX_OBJECTS_PER_FILE } from './file-slots.ts';

const inOrder = (files: readonly string[], slots: Map<string, number>): boolean =>
  files.every(
    (file, index) =>
      index === 0 || (slots.get(file) ?? 0) > (slots.get(files[index - 1] ?? '') ?? 0),
  );

test('fresh slots grow along the list, with room between them', () => {
  const slots = assignSlots(['a', 'b', 'c'], new Map());
  assert.ok(inOrder(['a', 'b', 'c'], slots));
  assert.ok((slots.get('b') ?? 0) - (slots.get('a') ?? 0) > 1);
  assert.ok(Number.isSafeInteger(((slots.get('c') ?? 0) + 1) * MAX_OBJECTS_PER_FILE));
});

test('files keep their slots; new ones go between, removed ones free theirs', () => {
  const before = assignSlots(['a', 'c', 'd'], new Map());
  const after = assignSlots(['a', 'b', 'd', 'e'], before);
  assert.equal(after.get('a'), before.get('a'));
  assert.equal(after.get('d'), before.get('d'));
  assert.equal(after.has('c'), false);
  assert.ok(inOrder(['a', 'b', 'd', 'e'], after));
});

test('when no room is left, files move and the order stays right', () => {
  let files = ['a', 'z'];
  let slots = assignSlots(files, new Map());
  // Each round adds a file just before z: the gap halves until it is gone.
  for (let round = 0; round < 40; round++) {
    files = [...files.slice(0, -1), `m${String(round).padStart(2, '0')}`, 'z'];
    slots = assignSlots(files, slots);
    assert.ok(inOrder(files, slots), `round ${String(round)}`);
    assert.equal(new Set(slots.values()).size, files.length);
  }
  assert.equal(slots.size, files.length);
});

test('a file whose old slot would break the order is moved', () => {
  const slots = assignSlots(
    ['b', 'a'],
    new Map([
      ['a', 1024],
      ['b', 2048],
    ]),
  );
  assert.ok(inOrder(['b', 'a'], slots));
});
