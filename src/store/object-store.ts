import { isDeepStrictEqual } from 'node:util';
import { snapshotOf, type ObjectKind, type Snapshot, type StoredObject } from '../objects/index.ts';
import { Debouncer, type DebounceOptions } from './debouncer.ts';

/** Options of {@link ObjectStore}: the debounce of change notifications, and source ranking. */
export interface ObjectStoreOptions extends DebounceOptions {
  /**
   * Which source wins when several hold an object with the same kind, namespace and name: the
   * one listed first. Sources not listed rank after the listed ones, by id (code-unit order).
   */
  readonly sourcePriority?: readonly string[];
}

/** A change listener; called once a burst of changes has settled (see {@link ObjectStore}). */
export type ChangeListener = () => void;

/**
 * The objects every source has reported, merged into one {@link Snapshot}. A source either
 * reloads everything ({@link ObjectStore.replaceSource}, the files source) or streams single
 * changes ({@link ObjectStore.upsert} and {@link ObjectStore.remove}, a Kubernetes watch).
 *
 * Only a real difference counts as a change: storing an object deep-equal to the stored one,
 * or reloading a source with the same objects, notifies no one. Changes are debounced: the
 * listeners run `holdOffMs` (100 ms) after the last change, at most `maxWaitMs` (500 ms) after
 * the first pending one. Objects handed to the store must not be mutated afterwards.
 */
export class ObjectStore {
  readonly #sources = new Map<string, Map<string, StoredObject>>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #priority: readonly string[];
  readonly #debouncer: Debouncer;
  #snapshot: Snapshot | null = null;
  #generation = 0;

  constructor(options: ObjectStoreOptions = {}) {
    this.#priority = options.sourcePriority ?? [];
    this.#debouncer = new Debouncer(() => {
      this.#notify();
    }, options);
  }

  /** Counts the changes so far; equal generations mean equal snapshots. */
  get generation(): number {
    return this.#generation;
  }

  /** Replaces everything a source holds; returns whether anything changed. */
  replaceSource(sourceId: string, objects: Iterable<StoredObject>): boolean {
    const next = new Map<string, StoredObject>();
    for (const object of objects)
      next.set(keyOf(object.kind, object.namespace, object.name), object);
    const previous = this.#sources.get(sourceId);
    if (previous !== undefined && sameContents(previous, next)) return false;
    if (previous === undefined && next.size === 0) {
      this.#sources.set(sourceId, next);
      return false;
    }
    this.#sources.set(sourceId, next);
    this.#changed();
    return true;
  }

  /** Adds or replaces one object of a source; returns whether anything changed. */
  upsert(sourceId: string, object: StoredObject): boolean {
    let objects = this.#sources.get(sourceId);
    if (objects === undefined) {
      objects = new Map();
      this.#sources.set(sourceId, objects);
    }
    const key = keyOf(object.kind, object.namespace, object.name);
    const stored = objects.get(key);
    if (stored !== undefined && isDeepStrictEqual(stored, object)) return false;
    objects.set(key, object);
    this.#changed();
    return true;
  }

  /** Removes one object of a source; returns whether it was there. */
  remove(sourceId: string, kind: ObjectKind, namespace: string, name: string): boolean {
    const removed = this.#sources.get(sourceId)?.delete(keyOf(kind, namespace, name)) ?? false;
    if (removed) this.#changed();
    return removed;
  }

  /** Forgets a source and all its objects; returns whether it held any. */
  removeSource(sourceId: string): boolean {
    const objects = this.#sources.get(sourceId);
    this.#sources.delete(sourceId);
    if (objects === undefined || objects.size === 0) return false;
    this.#changed();
    return true;
  }

  /**
   * The merged view of all sources, cached until the next change. When two sources hold the
   * same object, the higher-ranked source's copy is the one seen (see `sourcePriority`).
   */
  snapshot(): Snapshot {
    this.#snapshot ??= this.#merge();
    return this.#snapshot;
  }

  /** Subscribes to (debounced) changes; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Notifies the listeners now if a change is pending, instead of waiting for the debounce. */
  flush(): void {
    this.#debouncer.flush();
  }

  /** Drops a pending notification and its timer (at shutdown). */
  close(): void {
    this.#debouncer.cancel();
  }

  #changed(): void {
    this.#generation++;
    this.#snapshot = null;
    this.#debouncer.trigger();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #merge(): Snapshot {
    const taken = new Set<string>();
    const merged: StoredObject[] = [];
    for (const id of this.#ranked()) {
      for (const [key, object] of this.#sources.get(id) ?? []) {
        if (taken.has(key)) continue;
        taken.add(key);
        merged.push(object);
      }
    }
    return snapshotOf(merged);
  }

  #ranked(): string[] {
    const listed = this.#priority.filter((id) => this.#sources.has(id));
    const rest = [...this.#sources.keys()].filter((id) => !this.#priority.includes(id));
    rest.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [...new Set([...listed, ...rest])];
  }
}

function keyOf(kind: ObjectKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function sameContents(a: Map<string, StoredObject>, b: Map<string, StoredObject>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, object] of a) {
    const other = b.get(key);
    if (other === undefined || !isDeepStrictEqual(object, other)) return false;
  }
  return true;
}
