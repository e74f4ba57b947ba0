import { cloneJson, isObject, removeKey, setKey, type Json, type JsonObject } from './json.ts';

/**
 * Applies a JSON merge patch (RFC 7386): objects merge key by key, `null` removes a key,
 * anything else (arrays included) replaces. Neither input is modified.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return cloneJson(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) removeKey(result, key);
    else setKey(result, key, applyMergePatch(result[key], value));
  }
  return result;
}
