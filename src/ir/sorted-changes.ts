/**
 * Walks two lists in one order side by side and reports the items of `before` that are not
 * the very same object in `after` (gone, sign -1) and those of `after` not in `before` (new,
 * sign 1), each with its place in its own list. Every item
 * is reported once or matched once, so the reports balance even if a list is out of order; the
 * order only keeps matches found (an incremental translation keeps most items as the same
 * objects, and a walk costs one comparison per kept item where a set of them would cost an
 * allocation and a hash per item).
 */
export function forEachChange<T>(
  before: readonly T[],
  after: readonly T[],
  compare: (a: T, b: T) => number,
  changed: (item: T, sign: 1 | -1, place: number) => void,
): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const old = before[i];
    const next = after[j];
    if (old !== undefined && old === next) {
      i++;
      j++;
      continue;
    }
    const order = old === undefined ? 1 : next === undefined ? -1 : compare(old, next);
    if (order <= 0 && old !== undefined) {
      changed(old, -1, i);
      i++;
    }
    if (order >= 0 && next !== undefined) {
      changed(next, 1, j);
      j++;
    }
  }
}

/** The order of RouteTable.backends: by id. */
export function compareBackendIds(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The place of the first backend whose id is `id` or after it, in a list in the order of
 * {@link compareBackendIds} (RouteTable.backends); the list's length when none is. With it, a
 * backend by id, or the first backend of a Service (ids begin `namespace/service:`), is found
 * without building a map of the whole list.
 */
export function firstBackendFrom(backends: readonly { readonly id: string }[], id: string): number {
  let low = 0;
  let high = backends.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((backends[middle]?.id ?? '') < id) low = middle + 1;
    else high = middle;
  }
  return low;
}
