import { randomBytes, randomUUID } from 'node:crypto';
import {
  childObject,
  childString,
  cloneJson,
  describe,
  isObject,
  jsonEqual,
  omit,
  removeKey,
  type Json,
  type JsonObject,
} from './json.ts';
import { apiVersionOf, type NameRule, type ResourceType } from './resources.ts';
import { conflict, failure, invalid, type KubeStatus } from './status.ts';

/** Where a request points: the namespace and name from the URL, when it has them. */
export interface Target {
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

const NAME_RULES: Readonly<Record<NameRule, { pattern: RegExp; max: number; what: string }>> = {
  subdomain: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    max: 253,
    what: 'a lowercase RFC 1123 subdomain',
  },
  label: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    max: 63,
    what: 'a lowercase RFC 1123 label',
  },
  label1035: { pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/, max: 63, what: 'a DNS-1035 label' },
};

/** `metadata` of an object (a fresh empty object when it has none). */
export function metadataOf(object: JsonObject): JsonObject {
  return childObject(object, 'metadata') ?? {};
}

/** `metadata.name`, or `''`. */
export function nameOf(object: JsonObject): string {
  return childString(metadataOf(object), 'name') ?? '';
}

/** `metadata.resourceVersion`, or `''`. */
export function resourceVersionOf(object: JsonObject): string {
  return childString(metadataOf(object), 'resourceVersion') ?? '';
}

function checkKind(type: ResourceType, body: JsonObject): KubeStatus | undefined {
  const kind = body['kind'];
  const apiVersion = body['apiVersion'];
  if (kind !== undefined && kind !== type.kind) {
    return failure(
      400,
      `the kind of the body (${describe(kind)}) does not match the URL (${type.kind})`,
    );
  }
  if (apiVersion !== undefined && apiVersion !== apiVersionOf(type)) {
    return failure(
      400,
      `the API version in the data (${describe(apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
  return undefined;
}

function checkName(type: ResourceType, name: string): KubeStatus | undefined {
  const rule = NAME_RULES[type.nameRule];
  if (name === '')
    return invalid(type, name, [
      { field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  if (name.length > rule.max || !rule.pattern.test(name)) {
    return invalid(type, name, [
      { field: 'metadata.name', message: `Invalid value: "${name}": must be ${rule.what}` },
    ]);
  }
  return undefined;
}

/**
 * Checks a create or update body against the URL: kind and apiVersion (when given) must be
 * the resource's, the name and namespace must agree with the URL, the name must be valid.
 */
export function checkBody(type: ResourceType, body: Json, target: Target): KubeStatus | undefined {
  if (!isObject(body)) return failure(400, 'the request body must be a JSON object');
  const kindProblem = checkKind(type, body);
  if (kindProblem) return kindProblem;
  const metadata = body['metadata'];
  if (metadata !== undefined && !isObject(metadata))
    return failure(400, 'metadata must be an object');
  const name = nameOf(body);
  if (target.name !== undefined && name !== target.name) {
    return failure(
      400,
      `the name of the object (${name}) does not match the name on the URL (${target.name})`,
    );
  }
  const namespace = childString(metadata, 'namespace');
  if (
    type.namespaced &&
    namespace !== undefined &&
    namespace !== '' &&
    namespace !== target.namespace
  ) {
    return failure(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const generateName = childString(metadata, 'generateName');
  return name === '' && generateName !== undefined ? undefined : checkName(type, name);
}

function convertStringData(type: ResourceType, object: JsonObject): void {
  if (type.kind !== 'Secret' || type.group !== '') return;
  const stringData = object['stringData'];
  removeKey(object, 'stringData');
  if (!isObject(stringData)) return;
  const data: JsonObject = { ...(childObject(object, 'data') ?? {}) };
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value).toString('base64');
  }
  object['data'] = data;
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Everything outside metadata and status: a change there bumps `metadata.generation`. */
function specOf(object: JsonObject): JsonObject {
  return omit(object, ['metadata', 'status', 'kind', 'apiVersion']);
}

/**
 * The object to store for a create: identity from the URL, `uid`, `creationTimestamp`,
 * `generation: 1`, a generated name for `generateName`, Secret `stringData` folded into `data`.
 * `resourceVersion` is left for the store to set.
 */
export function stampCreate(
  type: ResourceType,
  body: JsonObject,
  namespace: string | undefined,
  now: Date,
): JsonObject {
  const object = cloneJson(body);
  const metadata: JsonObject = { ...metadataOf(object) };
  const generateName = childString(metadata, 'generateName');
  if ((childString(metadata, 'name') ?? '') === '' && generateName !== undefined) {
    metadata['name'] = generateName + randomBytes(4).toString('hex').slice(0, 5);
  }
  if (type.namespaced) metadata['namespace'] = namespace ?? 'default';
  else removeKey(metadata, 'namespace');
  metadata['uid'] = randomUUID();
  metadata['creationTimestamp'] = timestamp(now);
  metadata['generation'] = 1;
  removeKey(metadata, 'resourceVersion');
  removeKey(metadata, 'deletionTimestamp');
  object['apiVersion'] = apiVersionOf(type);
  object['kind'] = type.kind;
  object['metadata'] = metadata;
  convertStringData(type, object);
  return object;
}

/**
 * The object to store for an update of `current` with `next`: identity, `uid` and
 * `creationTimestamp` stay; `generation` goes up when anything outside metadata and status
 * changed. `resourceVersion` is left for the store to set.
 */
export function stampUpdate(type: ResourceType, current: JsonObject, next: JsonObject): JsonObject {
  const object = cloneJson(next);
  convertStringData(type, object);
  const old = metadataOf(current);
  const metadata: JsonObject = { ...metadataOf(object) };
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    const value = old[key];
    if (value === undefined) removeKey(metadata, key);
    else metadata[key] = value;
  }
  const generation = typeof old['generation'] === 'number' ? old['generation'] : 1;
  metadata['generation'] = jsonEqual(specOf(current), specOf(object)) ? generation : generation + 1;
  object['apiVersion'] = apiVersionOf(type);
  object['kind'] = type.kind;
  object['metadata'] = metadata;
  return object;
}

/**
 * Optimistic-concurrency check of a write: a `resourceVersion` or `uid` in the body that
 * differs from the stored object's gives a 409 Conflict.
 */
export function staleConflict(
  type: ResourceType,
  current: JsonObject,
  body: JsonObject,
): KubeStatus | undefined {
  const name = nameOf(current);
  const wanted = resourceVersionOf(body);
  if (wanted !== '' && wanted !== resourceVersionOf(current)) return conflict(type, name);
  const have = childString(metadataOf(current), 'uid') ?? '';
  const uid = childString(metadataOf(body), 'uid') ?? '';
  if (uid !== '' && uid !== have) {
    return conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${have}, UID in object meta: ${uid}`,
    );
  }
  return undefined;
}
