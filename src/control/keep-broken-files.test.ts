import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ObjectKind, StoredObject } from '../objects/index.ts';
import type { Diagnostic, ManifestLoad } from '../sources/files/index.ts';
import { keepObjectsOfBrokenFiles } from './keep-broken-files.ts';

function stored(kind: ObjectKind, name: string, file: string, document: number, sequence: number) {
  const object: StoredObject = {
    kind,
    namespace: 'default',
    name,
    object: { apiVersion: 'v1', kind, metadata: { name, namespace: 'default' } },
    origin: { source: 'file', file, document },
    sequence,
  };
  return object;
}

function error(file: string, document: number | null = null): Diagnostic {
  return { severity: 'error', file, document, message: 'broken' };
}

function load(objects: StoredObject[], diagnostics: Diagnostic[], files: string[]): ManifestLoad {
  return { objects, diagnostics, files };
}

describe('keepObjectsOfBrokenFiles', () => {
  // Sequences as the files source numbers them: each file its own range.
  const a = stored('Service', 'a', 'm/a.yaml', 0, 1000);
  const b1 = stored('Service', 'b1', 'm/b.yaml', 0, 2000);
  const b2 = stored('Service', 'b2', 'm/b.yaml', 1, 2001);
  const c = stored('Service', 'c', 'm/c.yaml', 0, 3000);

  test('without errors the load is taken as it is', () => {
    const next = load([a, c], [], ['m/a.yaml', 'm/c.yaml']);
    const outcome = keepObjectsOfBrokenFiles([a, b1, b2, c], next);
    assert.equal(outcome.objects, next.objects);
    assert.deepEqual(outcome.kept, []);
  });

  test('objects missing from a file with an error are kept as they were, in their place', () => {
    const newB1 = stored('Service', 'b1', 'm/b.yaml', 0, 2000);
    const next = load([a, newB1, c], [error('m/b.yaml', 1)], ['m/a.yaml', 'm/b.yaml', 'm/c.yaml']);
    const outcome = keepObjectsOfBrokenFiles([a, b1, b2, c], next);
    assert.deepEqual(
      outcome.kept.map((o) => o.name),
      ['b2'],
    );
    assert.deepEqual(
      outcome.objects.map((o) => [o.name, o.sequence]),
      [
        ['a', 1000],
        ['b1', 2000],
        ['b2', 2001],
        ['c', 3000],
      ],
    );
    assert.equal(outcome.objects[2], b2, 'the kept object is the very object loaded before');
    const note = outcome.diagnostics.at(-1);
    assert.equal(note?.severity, 'note');
    assert.equal(note.file, 'm/b.yaml');
    assert.match(note.message, /Service default\/b2 is kept/);
  });

  test('a cleanly deleted file takes its objects with it', () => {
    const next = load([a, c], [error('m/c.yaml', 0)], ['m/a.yaml', 'm/c.yaml']);
    const outcome = keepObjectsOfBrokenFiles([a, b1, b2, c], next);
    assert.deepEqual(
      outcome.objects.map((o) => o.name),
      ['a', 'c'],
    );
  });

  test('an unreadable directory keeps the objects of the files below it', () => {
    const next = load([], [error('m')], []);
    const outcome = keepObjectsOfBrokenFiles([a, b1], next);
    assert.deepEqual(
      outcome.objects.map((o) => o.name),
      ['a', 'b1'],
    );
    assert.deepEqual(
      keepObjectsOfBrokenFiles([a], load([], [error('m/a')], [])).objects,
      [],
      'a sibling whose name only starts the same is not below it',
    );
  });
});
