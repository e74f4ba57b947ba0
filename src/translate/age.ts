import type { StoredObject } from '../objects/index.ts';

/**
 * Orders objects oldest first, the order that decides conflicts: by `creationTimestamp`; an
 * object without a (parseable) one counts as newer than every object with one, and such objects
 * are ordered by load order (file path, then position); then by namespace/name so that the order
 * is total.
 */
export function compareAge(a: StoredObject, b: StoredObject): number {
  const ta = timestampOf(a);
  const tb = timestampOf(b);
  if (ta !== tb) {
    if (ta === null) return 1;
    if (tb === null) return -1;
    return ta - tb;
  }
  if (a.sequence !== b.sequence) return a.sequence - b.sequence;
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function timestampOf(object: StoredObject): number | null {
  const raw = object.object.metadata.creationTimestamp;
  if (typeof raw !== 'string') return null;
  const millis = Date.parse(raw);
  return Number.isNaN(millis) ? null : millis;
}
