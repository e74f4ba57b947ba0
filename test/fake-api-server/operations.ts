import { applyJsonPatch } from './json-patch.ts';
import {
  cloneJson,
  describe,
  isObject,
  jsonEqual,
  omit,
  type Json,
  type JsonObject,
} from './json.ts';
import { applyMergePatch } from './merge-patch.ts';
import {
  checkBody,
  metadataOf,
  nameOf,
  resourceVersionOf,
  stampCreate,
  stampUpdate,
  staleConflict,
  type Target,
} from './object-meta.ts';
import type { ResourceType } from './resources.ts';
import { alreadyExists, conflict, failure, notFound, type KubeStatus } from './status.ts';
import type { ObjectStore } from './store.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

/** The result of a write: the object (stored, or what would be stored on a dry run), or a Status. */
export type Outcome =
  | { readonly ok: true; readonly object: JsonObject; readonly code: 200 | 201 }
  | { readonly ok: false; readonly status: KubeStatus };

/** How a write is carried out. */
export interface WriteMode {
  /** Validate and answer, but store nothing. */
  readonly dryRun: boolean;
  /** Programmatic access: `status` is written as given (no subresource rules). */
  readonly direct: boolean;
  /** `'status'` for writes to the status subresource: only `status` changes. */
  readonly subresource?: string | undefined;
}

/** The patch formats the server accepts. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

function fail(status: KubeStatus): Outcome {
  return { ok: false, status };
}

function withStatus(object: JsonObject, status: Json | undefined): JsonObject {
  const rest = omit(object, ['status']);
  return status === undefined ? rest : { ...rest, status };
}

/** Creates an object in `namespace` (ignored for cluster-scoped kinds). */
export function createObject(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  body: Json,
  mode: WriteMode,
): Outcome {
  const problem = checkBody(type, body, { namespace });
  if (problem) return fail(problem);
  const input = body as JsonObject;
  if (resourceVersionOf(input) !== '') {
    return fail(failure(400, 'resourceVersion should not be set on objects to be created'));
  }
  let object = stampCreate(type, input, namespace, new Date());
  if (type.statusSubresource && !mode.direct) object = withStatus(object, undefined);
  if (type.kind === 'Namespace' && object['status'] === undefined)
    object['status'] = { phase: 'Active' };
  const name = nameOf(object);
  if (store.get(type, namespace, name)) {
    return fail(alreadyExists(type, name));
  }
  if (mode.dryRun) return { ok: true, object, code: 201 };
  return { ok: true, object: store.insert(type, object), code: 201 };
}

function nextState(
  type: ResourceType,
  current: JsonObject,
  body: JsonObject,
  mode: WriteMode,
): JsonObject {
  if (mode.subresource === 'status') return withStatus(cloneJson(current), body['status']);
  if (type.statusSubresource && !mode.direct) return withStatus(body, current['status']);
  return body;
}

function sameIgnoringVersion(a: JsonObject, b: JsonObject): boolean {
  const strip = (object: JsonObject): JsonObject => {
    return { ...object, metadata: omit(metadataOf(object), ['resourceVersion']) };
  };
  return jsonEqual(strip(a), strip(b));
}

/**
 * Replaces the object at `target` with `body` (a PUT). A stale `resourceVersion` is a 409; a
 * write that changes nothing stores nothing and keeps the resourceVersion, as on a real server.
 */
export function updateObject(
  store: ObjectStore,
  type: ResourceType,
  target: Target,
  body: Json,
  mode: WriteMode,
): Outcome {
  const name = target.name ?? '';
  const problem = checkBody(type, body, target);
  if (problem) return fail(problem);
  const current = store.get(type, target.namespace, name);
  if (!current) return fail(notFound(type, name));
  const input = body as JsonObject;
  const stale = staleConflict(type, current, input);
  if (stale) return fail(stale);
  const object = stampUpdate(type, current, nextState(type, current, input, mode));
  if (sameIgnoringVersion(object, current)) return { ok: true, object: current, code: 200 };
  if (mode.dryRun) return { ok: true, object, code: 200 };
  return { ok: true, object: store.replace(type, object, current), code: 200 };
}

type Patched =
  { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly status: KubeStatus };

function patched(
  type: ResourceType,
  current: JsonObject,
  patchType: PatchType,
  patch: Json,
): Patched {
  switch (patchType) {
    case 'merge':
      return { ok: true, value: applyMergePatch(current, patch) };
    case 'json': {
      const outcome = applyJsonPatch(current, patch);
      if (outcome.ok) return outcome;
      return {
        ok: false,
        status: failure(outcome.code, `the patch could not be applied: ${outcome.error}`),
      };
    }
    case 'strategic':
    case 'apply':
      if (!isObject(patch))
        return { ok: false, status: failure(400, 'the patch must be a JSON object') };
      return { ok: true, value: applyStrategicMergePatch(current, patch, type.mergeKeys) };
  }
}

/**
 * Patches the object at `target`. Server-side apply (`'apply'`) creates a missing object and
 * otherwise merges like a strategic merge patch (no field ownership is kept).
 */
export function patchObject(
  store: ObjectStore,
  type: ResourceType,
  target: Target,
  patchType: PatchType,
  patch: Json,
  mode: WriteMode,
): Outcome {
  const name = target.name ?? '';
  if (
    patchType === 'apply' &&
    (!isObject(patch) || patch['apiVersion'] === undefined || patch['kind'] === undefined)
  ) {
    return fail(failure(400, 'an apply patch must carry apiVersion and kind'));
  }
  const current = store.get(type, target.namespace, name);
  if (!current) {
    if (patchType !== 'apply' || mode.subresource !== undefined) return fail(notFound(type, name));
    const problem = checkBody(type, patch, target);
    return problem ? fail(problem) : createObject(store, type, target.namespace, patch, mode);
  }
  const result = patched(type, current, patchType, patch);
  // The patched document still carries the stored resourceVersion unless the patch set one,
  // so the update's optimistic-concurrency check applies to patches too.
  return result.ok ? updateObject(store, type, target, result.value, mode) : fail(result.status);
}

/** Preconditions a delete may carry (DeleteOptions.preconditions). */
export interface Preconditions {
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

/** Deletes the object at `target` at once (finalizers are not honoured). */
export function deleteObject(
  store: ObjectStore,
  type: ResourceType,
  target: Target,
  preconditions: Preconditions,
  dryRun: boolean,
): Outcome {
  const name = target.name ?? '';
  const current = store.get(type, target.namespace, name);
  if (!current) return fail(notFound(type, name));
  const metadata = metadataOf(current);
  if (preconditions.uid !== undefined && preconditions.uid !== metadata['uid']) {
    return fail(
      conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${describe(metadata['uid'])}`,
      ),
    );
  }
  if (
    preconditions.resourceVersion !== undefined &&
    preconditions.resourceVersion !== resourceVersionOf(current)
  ) {
    return fail(
      conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${resourceVersionOf(current)}`,
      ),
    );
  }
  if (dryRun) return { ok: true, object: current, code: 200 };
  return { ok: true, object: store.remove(type, current), code: 200 };
}
