import {
  cloneJson,
  isObject,
  jsonEqual,
  removeKey,
  setKey,
  type Json,
  type JsonObject,
} from './json.ts';

/** Merge keys that apply to every kind, by dotted path. */
const COMMON_MERGE_KEYS: Readonly<Record<string, string>> = {
  'metadata.ownerReferences': 'uid',
  'status.conditions': 'type',
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.template.spec.containers': 'name',
  'spec.template.spec.initContainers': 'name',
};

/** Lists of scalars that merge as sets instead of being replaced. */
const SET_LISTS: ReadonlySet<string> = new Set(['metadata.finalizers']);

const ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

interface Context {
  readonly mergeKeys: Readonly<Record<string, string>>;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (!key.startsWith('$')) setKey(result, key, stripDirectives(child));
  }
  return result;
}

function keyOf(item: Json, mergeKey: string): Json | undefined {
  return isObject(item) ? item[mergeKey] : undefined;
}

function mergeKeyedList(
  current: Json[],
  patch: Json[],
  mergeKey: string,
  path: string,
  context: Context,
): Json[] {
  if (patch.some((item) => isObject(item) && item['$patch'] === 'replace')) {
    return patch
      .filter((item) => !(isObject(item) && item['$patch'] === 'replace'))
      .map(stripDirectives);
  }
  const result = current.map(cloneJson);
  for (const item of patch) {
    const key = keyOf(item, mergeKey);
    const index =
      key === undefined ? -1 : result.findIndex((have) => jsonEqual(keyOf(have, mergeKey), key));
    if (isObject(item) && item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = mergeValue(result[index], item, path, context) ?? null;
    } else result.push(stripDirectives(item));
  }
  return result;
}

function mergeList(current: Json | undefined, patch: Json[], path: string, context: Context): Json {
  const mergeKey = context.mergeKeys[path] ?? COMMON_MERGE_KEYS[path];
  const have = Array.isArray(current) ? current : [];
  if (mergeKey !== undefined) return mergeKeyedList(have, patch, mergeKey, path, context);
  if (SET_LISTS.has(path)) {
    return [...have, ...patch.filter((value) => !have.some((old) => jsonEqual(old, value)))];
  }
  return stripDirectives(patch);
}

/** Reorders `list` to follow `order` (items named in it first, the rest after, stable). */
function applyOrder(list: Json, order: Json, mergeKey: string | undefined): Json {
  if (!Array.isArray(list) || !Array.isArray(order)) return list;
  const identity = (item: Json): Json | undefined =>
    mergeKey === undefined ? item : keyOf(item, mergeKey);
  const rank = (item: Json): number => {
    const at = order.findIndex((entry) => jsonEqual(identity(entry), identity(item)));
    return at < 0 ? order.length : at;
  };
  return list
    .map((item, index) => ({ item, index, rank: rank(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}

function applyDirectiveKey(
  result: JsonObject,
  key: string,
  value: Json,
  path: string,
  context: Context,
): void {
  if (key.startsWith(DELETE_PRIMITIVE_PREFIX)) {
    const field = key.slice(DELETE_PRIMITIVE_PREFIX.length);
    const list = result[field];
    if (Array.isArray(list) && Array.isArray(value)) {
      setKey(
        result,
        field,
        list.filter((item) => !value.some((gone) => jsonEqual(gone, item))),
      );
    }
  } else if (key.startsWith(ORDER_PREFIX)) {
    const field = key.slice(ORDER_PREFIX.length);
    const fieldPath = join(path, field);
    const mergeKey = context.mergeKeys[fieldPath] ?? COMMON_MERGE_KEYS[fieldPath];
    const list = result[field];
    if (list !== undefined) setKey(result, field, applyOrder(list, value, mergeKey));
  } else if (key === '$retainKeys' && Array.isArray(value)) {
    for (const existing of Object.keys(result)) {
      if (!value.includes(existing)) removeKey(result, existing);
    }
  }
}

function mergeObject(
  current: Json | undefined,
  patch: JsonObject,
  path: string,
  context: Context,
): Json | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch);
  const result: JsonObject = isObject(current) ? { ...current } : {};
  const directives: [string, Json][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      directives.push([key, value]);
      continue;
    }
    const merged =
      value === null ? undefined : mergeValue(result[key], value, join(path, key), context);
    if (merged === undefined) removeKey(result, key);
    else setKey(result, key, merged);
  }
  // Element order and deletions refer to the merged lists, so they run last.
  for (const [key, value] of directives) applyDirectiveKey(result, key, value, path, context);
  return result;
}

function mergeValue(
  current: Json | undefined,
  patch: Json,
  path: string,
  context: Context,
): Json | undefined {
  if (Array.isArray(patch)) return mergeList(current, patch, path, context);
  if (isObject(patch)) return mergeObject(current, patch, path, context);
  return patch;
}

/**
 * Applies a strategic merge patch as the API server does for the kinds served here: objects
 * merge like a JSON merge patch; lists whose path has a merge key (`spec.ports` by `port`,
 * containers by `name`, `ownerReferences` by `uid`, conditions by `type`) merge item by item;
 * other lists are replaced. Supports `$patch: replace|delete`, `$setElementOrder/`,
 * `$deleteFromPrimitiveList/` and `$retainKeys`. Neither input is modified.
 */
export function applyStrategicMergePatch(
  target: Json,
  patch: Json,
  mergeKeys: Readonly<Record<string, string>>,
): Json {
  return mergeValue(target, patch, '', { mergeKeys }) ?? {};
}
