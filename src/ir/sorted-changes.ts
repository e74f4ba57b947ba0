/**
 * Walks two lists in one order side by side and reports the items of `before` that are not
 * the very same object in `after` (gone) and those of `after` not in `before` (new). Every item
 * is reported once or matched once, so the reports balance even if a list is out of order; the
 * order only keeps matches found (an incremental translation keeps most items as the same
 * objects, and a walk costs one comparison per kept item where a set of them would cost an
 * allocation and a hash per item).
 */
export function forEachChange<T>(
  before: readonly T[],
  after: readonly T[],
  compare: (a: T, b: T) => number,
  changed: (item: T, sign: 1 | -1) => void,
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
      changed(old, -1);
      i++;
    }
    if (order >= 0 && next !== undefined) {
      changed(next, 1);
      j++;
    }
  }
}
