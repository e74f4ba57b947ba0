/** A JSON value as parsed from a request body or kept in the store. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value[key]`, or `undefined` when it is absent or not an object. */
export function childObject(value: JsonObject, key: string): JsonObject | undefined {
  const child = value[key];
  return isObject(child) ? child : undefined;
}

/** The string at `value[key]`, or `undefined` when it is absent or not a string. */
export function childString(value: JsonObject | undefined, key: string): string | undefined {
  const child = value?.[key];
  return typeof child === 'string' ? child : undefined;
}

/**
 * Sets an own property. `__proto__` goes through defineProperty, because plain assignment of
 * that key would replace the prototype instead (a request body must never do that).
 */
export function setKey(target: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** A deep copy of a JSON value. */
export function cloneJson<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** Freezes a JSON value and everything inside it; returns it. */
export function deepFreeze<T extends Json>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Converts an arbitrary value into JSON data (what `JSON.stringify` would keep), or returns
 * `undefined` when it cannot be represented (cycles, BigInt).
 */
export function toJson(value: unknown): Json | undefined {
  try {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? (JSON.parse(text) as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** A shallow copy of `object` without `keys`. */
export function omit(object: JsonObject, keys: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object))
    if (!keys.includes(key)) setKey(result, key, value);
  return result;
}

/** Removes one own property in place. */
export function removeKey(object: JsonObject, key: string): void {
  Reflect.deleteProperty(object, key);
}

/** Text for a JSON value in a message (strings as they are, anything else as JSON). */
export function describe(value: Json | undefined): string {
  if (value === undefined) return 'undefined';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
