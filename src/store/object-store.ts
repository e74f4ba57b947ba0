import { isDeepStrictEqual } from 'node:util';
import {
  EMPTY_SNAPSHOT,
  FIELD_BY_KIND,
  type ObjectKind,
  type Snapshot,
  type StoredObject,
} from '../objects/index.ts';
import { systemClock, type Clock } from './clock.ts';
import { Debouncer, type DebounceOptions, type DebouncedRun } from './debouncer.ts';

/** Options of {@link ObjectStore}: the debounce of change notifications, and source ranking. */
export interface ObjectStoreOptions extends DebounceOptions {
  /**
   * Which source wins when several hold an object with the same kind, namespace and name: the
   * one listed first. Sources not listed rank after the listed ones, by id (code-unit order).
   */
  readonly sourcePriority?: readonly string[];
}

/**
 * What a change listener is told: how long the changes it answers waited for it, so that the
 * rebuild that follows can log (and measure) the time from a change to its going live.
 */
export interface ChangeNotice {
  /** Store clock time (ms) of the first change this notification answers. */
  readonly firstChangeAt: number;
  /** Milliseconds from that first change to this notification (the debounce's share). */
  readonly waitedMs: number;
  /** Changes coalesced into this notification (at least 1). */
  readonly changes: number;
}

/** A change listener; called once a burst of changes has settled (see {@link ObjectStore}). */
export type ChangeListener = (notice: ChangeNotice) => void;

/**
 * The objects every source has reported, merged into one {@link Snapshot}. A source either
 * reloads everything ({@link ObjectStore.replaceSource}, the files source) or streams single
 * changes ({@link ObjectStore.upsert} and {@link ObjectStore.remove}, a Kubernetes watch).
 *
 * Only a real difference counts as a change: storing an object deep-equal to the stored one,
 * or reloading a source with the same objects, notifies no one. Changes are debounced: the
 * listeners run `holdOffMs` (20 ms) after the last change, at most `maxWaitMs` (250 ms) after
 * the first pending one, and are told how long the changes waited ({@link ChangeNotice}).
 * Objects handed to the store must not be mutated afterwards.
 */
export class ObjectStore {
  /** By source, then by kind, then by `kind/namespace/name`. */
  readonly #sources = new Map<string, SourceObjects>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #priority: readonly string[];
  readonly #debouncer: Debouncer;
  readonly #clock: Clock;
  #snapshot: Snapshot | null = null;
  /**
   * The kinds changed since the cached snapshot was made, or `all`: only their lists are made
   * again, and the others keep their identity (so a reader can skip an unchanged list).
   */
  #changedKinds: Set<ObjectKind> | 'all' = 'all';
  #lists: Snapshot | null = null;
  #generation = 0;

  constructor(options: ObjectStoreOptions = {}) {
    this.#priority = options.sourcePriority ?? [];
    this.#clock = options.clock ?? systemClock;
    this.#debouncer = new Debouncer((run) => {
      this.#notify(run);
    }, options);
  }

  /**
   * Store clock time (ms) of the oldest change the listeners have not been told of yet; null
   * when none waits. Inside a listener it is null unless a listener changed the store again.
   */
  get pendingSince(): number | null {
    return this.#debouncer.pendingSince;
  }

  /** Counts the changes so far; equal generations mean equal snapshots. */
  get generation(): number {
    return this.#generation;
  }

  /** Replaces everything a source holds; returns whether anything changed. */
  replaceSource(sourceId: string, objects: Iterable<StoredObject>): boolean {
    const next: SourceObjects = new Map();
    for (const object of objects) kindMap(next, object.kind).set(keyOfObject(object), object);
    const previous = this.#sources.get(sourceId);
    if (previous !== undefined && sameContents(previous, next)) return false;
    this.#sources.set(sourceId, next);
    if (previous === undefined && next.size === 0) return false;
    this.#changed('all');
    return true;
  }

  /** Adds or replaces one object of a source; returns whether anything changed. */
  upsert(sourceId: string, object: StoredObject): boolean {
    let objects = this.#sources.get(sourceId);
    if (objects === undefined) {
      objects = new Map();
      this.#sources.set(sourceId, objects);
    }
    const map = kindMap(objects, object.kind);
    const key = keyOfObject(object);
    const stored = map.get(key);
    if (stored !== undefined && isDeepStrictEqual(stored, object)) return false;
    map.set(key, object);
    this.#changed(object.kind);
    return true;
  }

  /** Removes one object of a source; returns whether it was there. */
  remove(sourceId: string, kind: ObjectKind, namespace: string, name: string): boolean {
    const map = this.#sources.get(sourceId)?.get(kind);
    const removed = map?.delete(keyOf(kind, namespace, name)) ?? false;
    if (removed) this.#changed(kind);
    return removed;
  }

  /** Forgets a source and all its objects; returns whether it held any. */
  removeSource(sourceId: string): boolean {
    const objects = this.#sources.get(sourceId);
    this.#sources.delete(sourceId);
    if (objects === undefined || countOf(objects) === 0) return false;
    this.#changed('all');
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

  #changed(kind: ObjectKind | 'all'): void {
    this.#generation++;
    this.#snapshot = null;
    if (kind === 'all') this.#changedKinds = 'all';
    else if (this.#changedKinds !== 'all') this.#changedKinds.add(kind);
    this.#debouncer.trigger();
  }

  #notify(run: DebouncedRun): void {
    const notice: ChangeNotice = {
      firstChangeAt: run.firstAt,
      waitedMs: Math.max(0, this.#clock.now() - run.firstAt),
      changes: run.triggers,
    };
    for (const listener of [...this.#listeners]) listener(notice);
  }

  #merge(): Snapshot {
    const ranked = this.#ranked();
    const previous = this.#lists;
    const changed = this.#changedKinds;
    const lists: Record<keyof Snapshot, readonly StoredObject[]> = { ...EMPTY_SNAPSHOT };
    for (const kind of Object.keys(FIELD_BY_KIND) as ObjectKind[]) {
      const field = FIELD_BY_KIND[kind];
      if (previous !== null && changed !== 'all' && !changed.has(kind)) {
        lists[field] = previous[field];
        continue;
      }
      const taken = new Set<string>();
      const merged: StoredObject[] = [];
      for (const id of ranked) {
        for (const [key, object] of this.#sources.get(id)?.get(kind) ?? []) {
          if (taken.has(key)) continue;
          taken.add(key);
          merged.push(object);
        }
      }
      lists[field] = merged;
    }
    this.#lists = lists;
    this.#changedKinds = new Set();
    return lists;
  }

  #ranked(): string[] {
    const listed = this.#priority.filter((id) => this.#sources.has(id));
    const rest = [...this.#sources.keys()].filter((id) => !this.#priority.includes(id));
    rest.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [...new Set([...listed, ...rest])];
  }
}

/** A source's objects by kind, then by `kind/namespace/name`. */
type SourceObjects = Map<ObjectKind, Map<string, StoredObject>>;

function keyOf(kind: ObjectKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function keyOfObject(object: StoredObject): string {
  return keyOf(object.kind, object.namespace, object.name);
}

function kindMap(objects: SourceObjects, kind: ObjectKind): Map<string, StoredObject> {
  let map = objects.get(kind);
  if (map === undefined) {
    map = new Map();
    objects.set(kind, map);
  }
  return map;
}

function countOf(objects: SourceObjects): number {
  let count = 0;
  for (const map of objects.values()) count += map.size;
  return count;
}

function sameContents(a: SourceObjects, b: SourceObjects): boolean {
  if (countOf(a) !== countOf(b)) return false;
  for (const [kind, map] of a) {
    const other = b.get(kind);
    for (const [key, object] of map) {
      const counterpart = other?.get(key);
      if (counterpart === undefined || !isDeepStrictEqual(object, counterpart)) return false;
    }
  }
  return true;
}
