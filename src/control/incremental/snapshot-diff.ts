import { isDeepStrictEqual } from 'node:util';
import { FIELD_BY_KIND, type Snapshot, type StoredObject } from '../../objects/index.ts';

/** One change between two snapshots: an object added, changed or gone. */
export interface Change {
  /** `Kind/namespace/name`. */
  readonly key: string;
  readonly before: StoredObject | undefined;
  readonly after: StoredObject | undefined;
}

/**
 * The objects of the last snapshot taken in, and what differs in the next one. A list handed
 * over again (the store keeps the lists of kinds that did not change) costs nothing, an object
 * handed over again one set lookup; only other objects are compared in depth.
 */
export class SnapshotDiff {
  readonly #objects = new Map<string, StoredObject>();
  #lists: Snapshot | null = null;
  readonly #known = new Map<keyof Snapshot, WeakSet<StoredObject>>();
  /** How many objects of each list {@link #objects} holds. */
  readonly #counts = new Map<keyof Snapshot, number>();

  /** The object taken in under a `Kind/namespace/name` key. */
  get(key: string): StoredObject | undefined {
    return this.#objects.get(key);
  }

  /** Every object taken in. */
  objects(): IterableIterator<StoredObject> {
    return this.#objects.values();
  }

  /** Forgets everything and takes in this snapshot whole. */
  reset(snapshot: Snapshot): void {
    this.#objects.clear();
    this.#counts.clear();
    this.#known.clear();
    for (const [field, list] of Object.entries(snapshot) as [keyof Snapshot, StoredObject[]][]) {
      for (const object of list) this.#objects.set(objectKey(object), object);
      this.#counts.set(field, list.length);
      this.#known.set(field, new WeakSet(list));
    }
    this.#lists = snapshot;
  }

  /**
   * What changed from the objects taken in to `snapshot` (not taken in yet: see
   * {@link SnapshotDiff.take}), and `renewed`: objects handed over as new instances equal to the
   * ones taken in (a file parsed again), to be taken in in their place.
   */
  changes(snapshot: Snapshot): { changes: Change[]; renewed: Change[] } {
    const changes: Change[] = [];
    const renewed: Change[] = [];
    for (const field of Object.keys(snapshot) as (keyof Snapshot)[]) {
      const list = snapshot[field];
      if (this.#lists?.[field] === list) continue;
      const before = this.#known.get(field);
      const known = new WeakSet<StoredObject>();
      let kept = 0;
      let replaced = 0;
      for (const object of list) {
        known.add(object);
        if (before?.has(object) === true) {
          kept++;
          continue;
        }
        const key = objectKey(object);
        const previous = this.#objects.get(key);
        if (previous !== undefined && isDeepStrictEqual(previous, object)) {
          kept++;
          renewed.push({ key, before: previous, after: object });
          continue;
        }
        if (previous !== undefined) replaced++;
        changes.push({ key, before: previous, after: object });
      }
      this.#known.set(field, known);
      // Every object of the list not kept nor changed in place is gone.
      if (kept + replaced < (this.#counts.get(field) ?? 0)) {
        const present = new Set(list.map(objectKey));
        for (const [key, previous] of this.#objects) {
          if (FIELD_BY_KIND[previous.kind] === field && !present.has(key)) {
            changes.push({ key, before: previous, after: undefined });
          }
        }
      }
    }
    this.#lists = snapshot;
    return { changes, renewed };
  }

  /** Takes in one change (or renewal). */
  take(change: Change): void {
    const { before, after } = change;
    if (after === undefined) this.#objects.delete(change.key);
    else this.#objects.set(change.key, after);
    const object = after ?? before;
    if (object === undefined) return;
    const field = FIELD_BY_KIND[object.kind];
    const added = (before === undefined ? 1 : 0) - (after === undefined ? 1 : 0);
    this.#counts.set(field, (this.#counts.get(field) ?? 0) + added);
  }
}

/** `Kind/namespace/name` of an object, or of an object's result. */
export function objectKey(object: {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}): string {
  return `${object.kind}/${object.namespace}/${object.name}`;
}
