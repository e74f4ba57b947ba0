import { deepFreeze, type JsonObject } from './json.ts';
import { metadataOf } from './object-meta.ts';
import { resourceKey, type ResourceType } from './resources.ts';

/** The kinds of change a watch reports. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as kept in the history and given to subscribers. */
export interface StoreEvent {
  readonly type: ChangeType;
  readonly revision: number;
  readonly resource: ResourceType;
  /** The object after the change (for DELETED: the last state, with the deletion's revision). */
  readonly object: JsonObject;
  /** The object before the change, for MODIFIED and DELETED. */
  readonly previous?: JsonObject;
}

type Listener = (event: StoreEvent) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function identity(object: JsonObject): { namespace: string | undefined; name: string } {
  const metadata = metadataOf(object);
  const namespace = metadata['namespace'];
  const name = metadata['name'];
  return {
    namespace: typeof namespace === 'string' ? namespace : undefined,
    name: typeof name === 'string' ? name : '',
  };
}

/**
 * Every stored object, keyed by group/version/resource then namespace/name, with one global
 * monotonic revision (the resourceVersion) shared by all kinds and a bounded history of changes
 * for watches to replay. Stored objects are frozen; callers copy before changing them.
 */
export class ObjectStore {
  private readonly tables = new Map<string, Map<string, JsonObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly historyLimit: number;
  private currentRevision = 0;
  private forgottenRevision = 0;

  constructor(options: { readonly historyLimit: number }) {
    this.historyLimit = Math.max(1, options.historyLimit);
  }

  /** The newest resourceVersion handed out. */
  get revision(): number {
    return this.currentRevision;
  }

  /** Changes at or below this revision are no longer in the history (a watch from before it gets 410). */
  get compactedRevision(): number {
    return this.forgottenRevision;
  }

  private table(type: ResourceType): Map<string, JsonObject> {
    const key = resourceKey(type);
    let table = this.tables.get(key);
    if (!table) {
      table = new Map();
      this.tables.set(key, table);
    }
    return table;
  }

  /** The stored object, or `undefined`. */
  get(type: ResourceType, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.table(type).get(objectKey(type.namespaced ? namespace : undefined, name));
  }

  /** Stored objects of one kind, in one namespace or all, in namespace/name order. */
  list(type: ResourceType, namespace?: string): JsonObject[] {
    const entries = [...this.table(type).entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const prefix = type.namespaced && namespace !== undefined ? `${namespace}/` : '';
    return entries.filter(([key]) => key.startsWith(prefix)).map(([, object]) => object);
  }

  private commit(
    type: ChangeType,
    resource: ResourceType,
    object: JsonObject,
    previous?: JsonObject,
  ): JsonObject {
    this.currentRevision++;
    const stored = deepFreeze({
      ...object,
      metadata: { ...metadataOf(object), resourceVersion: String(this.currentRevision) },
    });
    const { namespace, name } = identity(stored);
    const table = this.table(resource);
    if (type === 'DELETED') table.delete(objectKey(namespace, name));
    else table.set(objectKey(namespace, name), stored);
    const event: StoreEvent = previous
      ? { type, revision: this.currentRevision, resource, object: stored, previous }
      : { type, revision: this.currentRevision, resource, object: stored };
    this.remember(event);
    for (const listener of this.listeners) listener(event);
    return stored;
  }

  private remember(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length <= this.historyLimit) return;
    // Drop a tenth at a time so a full history does not shift the array on every write.
    const drop = this.history.length - this.historyLimit + Math.ceil(this.historyLimit / 10);
    const dropped = this.history.splice(0, Math.min(drop, this.history.length));
    this.forgottenRevision = dropped.at(-1)?.revision ?? this.forgottenRevision;
  }

  /** Stores a new object with the next revision; returns the stored (frozen) object. */
  insert(type: ResourceType, object: JsonObject): JsonObject {
    return this.commit('ADDED', type, object);
  }

  /** Replaces a stored object with the next revision; returns the stored (frozen) object. */
  replace(type: ResourceType, object: JsonObject, previous: JsonObject): JsonObject {
    return this.commit('MODIFIED', type, object, previous);
  }

  /** Removes a stored object; the DELETED event carries a new revision. Returns its last state. */
  remove(type: ResourceType, object: JsonObject): JsonObject {
    return this.commit('DELETED', type, object, object);
  }

  /** Changes after `revision`, oldest first (callers check `compactedRevision` first). */
  changesAfter(revision: number): StoreEvent[] {
    let low = 0;
    let high = this.history.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.history[middle]?.revision ?? 0) <= revision) low = middle + 1;
      else high = middle;
    }
    return this.history.slice(low);
  }

  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets the whole history: any watch from an older revision than the current one gets 410. */
  compact(): void {
    this.history.length = 0;
    this.forgottenRevision = this.currentRevision;
  }
}
