import { sep } from 'node:path';
import type { StoredObject } from '../objects/index.ts';
import type { Diagnostic, ManifestLoad } from '../sources/files/index.ts';

/** A load with the objects of broken files carried over from the previous load. */
export interface KeptLoad {
  /** What the store gets: the loaded objects plus the kept ones, in load order. */
  readonly objects: StoredObject[];
  /** The objects carried over, as they were last loaded. */
  readonly kept: StoredObject[];
  /** The load's diagnostics, plus one note per kept object. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Applies the keep-last-good rule of the files source: an object that was loaded before and is
 * missing now, from a file (or below a directory) that now has an error diagnostic, keeps its
 * previous version. A file caught half-written by an editor, or with a syntax error, then costs
 * nothing until it is fixed; a file deleted cleanly (no error) takes its objects with it. A
 * path given on the command line that no longer exists is an error too, so its objects stay.
 */
export function keepObjectsOfBrokenFiles(
  previous: readonly StoredObject[],
  load: ManifestLoad,
): KeptLoad {
  const broken = load.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file);
  if (broken.length === 0 || previous.length === 0) {
    return { objects: load.objects, kept: [], diagnostics: load.diagnostics };
  }
  const loaded = new Set(load.objects.map(keyOf));
  const kept = previous.filter(
    (object) =>
      !loaded.has(keyOf(object)) &&
      object.origin.source === 'file' &&
      isUnderAny(object.origin.file, broken),
  );
  if (kept.length === 0) return { objects: load.objects, kept, diagnostics: load.diagnostics };
  return {
    objects: inLoadOrder(load, kept),
    kept,
    diagnostics: [...load.diagnostics, ...kept.map(keptNote)],
  };
}

function keyOf(object: StoredObject): string {
  return `${object.kind}/${object.namespace}/${object.name}`;
}

function isUnderAny(file: string, broken: readonly string[]): boolean {
  return broken.some(
    (path) => file === path || file.startsWith(path.endsWith(sep) ? path : path + sep),
  );
}

/**
 * Merges kept objects back where they were (file order, then document). They keep their
 * `sequence` (which orders objects without a creationTimestamp by age): the files source numbers
 * each file's objects apart from the other files' (see `assignSlots`), so the number is still
 * right, and an object kept as it was stays the very same object for the translator.
 */
function inLoadOrder(load: ManifestLoad, kept: readonly StoredObject[]): StoredObject[] {
  const fileIndex = new Map(load.files.map((file, index) => [file, index]));
  const rank = (object: StoredObject): [number, string, number] =>
    object.origin.source === 'file'
      ? [
          fileIndex.get(object.origin.file) ?? load.files.length,
          object.origin.file,
          object.origin.document,
        ]
      : [load.files.length, '', 0];
  const entries = [
    ...load.objects.map((object) => ({ object, rank: rank(object), kept: 0 })),
    ...kept.map((object) => ({ object, rank: rank(object), kept: 1 })),
  ];
  entries.sort(
    (a, b) =>
      a.rank[0] - b.rank[0] ||
      compareText(a.rank[1], b.rank[1]) ||
      a.rank[2] - b.rank[2] ||
      a.kept - b.kept ||
      a.object.sequence - b.object.sequence,
  );
  return entries.map(({ object }) => object);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keptNote(object: StoredObject): Diagnostic {
  const name = object.namespace === '' ? object.name : `${object.namespace}/${object.name}`;
  const origin = object.origin.source === 'file' ? object.origin : null;
  return {
    severity: 'note',
    file: origin?.file ?? '',
    document: origin?.document ?? null,
    message: `${object.kind} ${name} is kept as last loaded, since its file now has errors`,
  };
}
