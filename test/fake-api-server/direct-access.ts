import { matchesFields, parseFieldSelector } from './field-selector.ts';
import { childObject, childString, isObject, toJson, type JsonObject } from './json.ts';
import { matchesLabels, parseLabelSelector } from './label-selector.ts';
import { metadataOf } from './object-meta.ts';
import {
  createObject,
  deleteObject,
  updateObject,
  type Outcome,
  type WriteMode,
} from './operations.ts';
import { findByKind, type ResourceType } from './resources.ts';
import { failure, FakeApiError } from './status.ts';
import type { ObjectStore } from './store.ts';

/** An object as the fake stores it (a copy: changing it changes nothing in the store). */
export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    generation: number;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Names one object: `{ namespace, name }`, or any object with that `metadata`. */
export type ObjectRef =
  | { readonly namespace?: string | undefined; readonly name: string }
  | { readonly metadata: { readonly namespace?: string | undefined; readonly name: string } };

/** Filters for `list`. */
export interface ListOptions {
  /** Only this namespace (all namespaces when absent). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

const DIRECT: WriteMode = { dryRun: false, direct: true };

function typeFor(kind: string, object?: unknown): ResourceType {
  const apiVersion = isObject(object) ? childString(object, 'apiVersion') : undefined;
  const type = findByKind(kind, apiVersion);
  if (!type) throw new Error(`fake API server: unknown kind "${kind}"`);
  return type;
}

function refOf(ref: ObjectRef): { namespace: string | undefined; name: string } {
  if ('metadata' in ref) return { namespace: ref.metadata.namespace, name: ref.metadata.name };
  return { namespace: ref.namespace, name: ref.name };
}

function namespaceFor(type: ResourceType, namespace: string | undefined): string | undefined {
  return type.namespaced ? (namespace ?? 'default') : undefined;
}

function copy(object: JsonObject): FakeObject {
  return structuredClone(object) as unknown as FakeObject;
}

function unwrap(outcome: Outcome): FakeObject {
  if (!outcome.ok) throw new FakeApiError(outcome.status);
  return copy(outcome.object);
}

function asJson(object: object): JsonObject {
  const json = toJson(object);
  if (!isObject(json)) throw new FakeApiError(failure(400, 'the object must be a JSON object'));
  return json;
}

/**
 * Programmatic access to the store for tests: writes take the same path as HTTP ones (same
 * stamping, same resourceVersions, same watch events) except that `status` is written as
 * given. Errors throw FakeApiError carrying the Status an HTTP client would have seen.
 */
export class DirectAccess {
  private readonly store: ObjectStore;

  constructor(store: ObjectStore) {
    this.store = store;
  }

  /** Creates an object (namespace `default` when it names none). */
  create(kind: string, object: object): FakeObject {
    const type = typeFor(kind, object);
    const json = asJson(object);
    const namespace = childString(childObject(json, 'metadata'), 'namespace');
    return unwrap(createObject(this.store, type, namespaceFor(type, namespace), json, DIRECT));
  }

  /** The stored object, or `undefined`. */
  get(kind: string, ref: ObjectRef): FakeObject | undefined {
    const type = typeFor(kind, ref);
    const { namespace, name } = refOf(ref);
    const object = this.store.get(type, namespaceFor(type, namespace), name);
    return object ? copy(object) : undefined;
  }

  /** Stored objects of a kind, filtered like a list request. */
  list(kind: string, options: ListOptions = {}): FakeObject[] {
    const type = typeFor(kind);
    const labels = parseLabelSelector(options.labelSelector ?? '');
    const fields = parseFieldSelector(options.fieldSelector ?? '', type);
    if (!labels.ok) throw new FakeApiError(failure(400, labels.error));
    if (!fields.ok) throw new FakeApiError(failure(400, fields.error));
    return this.store
      .list(type, options.namespace)
      .filter(
        (object) =>
          matchesLabels(labels.requirements, metadataOf(object)['labels']) &&
          matchesFields(fields.requirements, object),
      )
      .map(copy);
  }

  /** Replaces an object, status included; a stale resourceVersion is a 409. */
  update(kind: string, object: object): FakeObject {
    const type = typeFor(kind, object);
    const json = asJson(object);
    const metadata = childObject(json, 'metadata');
    const target = {
      namespace: namespaceFor(type, childString(metadata, 'namespace')),
      name: childString(metadata, 'name') ?? '',
    };
    const body =
      type.namespaced && metadata
        ? { ...json, metadata: { ...metadata, namespace: target.namespace ?? '' } }
        : json;
    return unwrap(updateObject(this.store, type, target, body, DIRECT));
  }

  /** Deletes an object; its last state, or `undefined` when there was none. */
  delete(kind: string, ref: ObjectRef): FakeObject | undefined {
    const type = typeFor(kind, ref);
    const { namespace, name } = refOf(ref);
    const outcome = deleteObject(
      this.store,
      type,
      { namespace: namespaceFor(type, namespace), name },
      {},
      false,
    );
    return outcome.ok ? copy(outcome.object) : undefined;
  }
}
