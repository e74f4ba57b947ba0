import {
  cloneJson,
  isObject,
  jsonEqual,
  removeKey,
  setKey,
  type Json,
  type JsonObject,
} from './json.ts';

/** The outcome of applying a patch: the new document, or why the patch failed. */
export type PatchOutcome =
  | { readonly ok: true; readonly value: Json }
  | { readonly ok: false; readonly code: 400 | 422; readonly error: string };

class PatchFailure extends Error {
  readonly code: 400 | 422;

  constructor(code: 400 | 422, message: string) {
    super(message);
    this.code = code;
  }
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchFailure(422, `invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(array: Json[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchFailure(422, `invalid array index "${token}"`);
  const index = Number(token);
  if (index > array.length || (!forAdd && index === array.length)) {
    throw new PatchFailure(422, `array index ${token} out of bounds`);
  }
  return index;
}

function child(container: Json, token: string): Json {
  if (Array.isArray(container)) {
    const value = container[arrayIndex(container, token, false)];
    if (value !== undefined) return value;
  } else if (isObject(container) && Object.hasOwn(container, token)) {
    const value = container[token];
    if (value !== undefined) return value;
  }
  throw new PatchFailure(422, `path element "${token}" does not exist`);
}

function resolve(document: Json, tokens: readonly string[]): Json {
  return tokens.reduce<Json>((container, token) => child(container, token), document);
}

/** The container holding the last token of `tokens`, and that token. */
function parentOf(document: Json, tokens: readonly string[]): { parent: Json; last: string } {
  const last = tokens.at(-1);
  if (last === undefined) throw new PatchFailure(422, 'the root has no parent');
  return { parent: resolve(document, tokens.slice(0, -1)), last };
}

function add(document: Json, tokens: readonly string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(document, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (isObject(parent)) setKey(parent, last, value);
  else throw new PatchFailure(422, `cannot add "${last}" to a scalar`);
  return document;
}

function remove(document: Json, tokens: readonly string[]): Json {
  const { parent, last } = parentOf(document, tokens);
  child(parent, last);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else removeKey(parent as JsonObject, last);
  return document;
}

function operationField(operation: JsonObject, field: string): string {
  const value = operation[field];
  if (typeof value !== 'string') throw new PatchFailure(400, `operation lacks a string "${field}"`);
  return value;
}

function operationValue(operation: JsonObject): Json {
  const value = operation['value'];
  if (value === undefined) throw new PatchFailure(400, 'operation lacks "value"');
  return value;
}

function applyOne(document: Json, operation: JsonObject): Json {
  const op = operationField(operation, 'op');
  const path = parsePointer(operationField(operation, 'path'));
  switch (op) {
    case 'add':
      return add(document, path, cloneJson(operationValue(operation)));
    case 'remove':
      return remove(document, path);
    case 'replace':
      resolve(document, path);
      return add(
        path.length === 0 ? null : remove(document, path),
        path,
        cloneJson(operationValue(operation)),
      );
    case 'move': {
      const from = parsePointer(operationField(operation, 'from'));
      const isPrefix = from.length < path.length && from.every((token, i) => path[i] === token);
      if (isPrefix) throw new PatchFailure(422, 'cannot move a value into itself');
      const value = resolve(document, from);
      return add(from.length === 0 ? null : remove(document, from), path, value);
    }
    case 'copy': {
      const from = parsePointer(operationField(operation, 'from'));
      return add(document, path, cloneJson(resolve(document, from)));
    }
    case 'test':
      if (!jsonEqual(resolve(document, path), operationValue(operation))) {
        throw new PatchFailure(422, `test failed at "${operationField(operation, 'path')}"`);
      }
      return document;
    default:
      throw new PatchFailure(400, `unknown operation "${op}"`);
  }
}

/**
 * Applies a JSON patch (RFC 6902: add, remove, replace, move, copy, test) to a copy of
 * `target`. A malformed patch gives 400; one that does not fit the document gives 422.
 */
export function applyJsonPatch(target: Json, patch: Json): PatchOutcome {
  if (!Array.isArray(patch))
    return { ok: false, code: 400, error: 'a JSON patch must be an array' };
  try {
    let document = cloneJson(target);
    for (const operation of patch) {
      if (!isObject(operation)) throw new PatchFailure(400, 'each operation must be an object');
      document = applyOne(document, operation);
    }
    return { ok: true, value: document };
  } catch (error) {
    if (error instanceof PatchFailure) return { ok: false, code: error.code, error: error.message };
    throw error;
  }
}
