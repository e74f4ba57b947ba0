/**
 * An array kept in order as items come and go, so that a merged table's lists cost a binary
 * search and a splice per change instead of a sort of everything. Items that compare equal are
 * kept in the order they came; removal is by identity.
 */
export class SortedList<T> {
  #items: T[] = [];
  #batch = false;
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an item; returns false when an equal item was there already (it is added anyway). */
  add(item: T): boolean {
    if (this.#batch) {
      this.#items.push(item);
      return true;
    }
    const at = this.#upperBound(item);
    const previous = this.#items[at - 1];
    this.#items.splice(at, 0, item);
    return previous === undefined || this.#compare(previous, item) !== 0;
  }

  /**
   * Appends without ordering until {@link endBatch}, which sorts once: many adds (a whole
   * table's) then cost one sort instead of a splice each.
   */
  startBatch(): void {
    this.#batch = true;
  }

  /** Orders what was added since {@link startBatch}; false when two items compare equal. */
  endBatch(): boolean {
    this.#batch = false;
    this.#items.sort(this.#compare);
    for (let i = 1; i < this.#items.length; i++) {
      if (this.#compare(this.#items[i - 1] as T, this.#items[i] as T) === 0) return false;
    }
    return true;
  }

  /** Removes this very item; false when it is not there. */
  remove(item: T): boolean {
    const at = this.#indexOf(item);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    return true;
  }

  /** Puts `next` where `previous` is (they must compare equal); false when `previous` is not there. */
  replace(previous: T, next: T): boolean {
    const at = this.#indexOf(previous);
    if (at < 0) return false;
    this.#items[at] = next;
    return true;
  }

  /** A copy of the items, in order. */
  toArray(): T[] {
    return this.#items.slice();
  }

  clear(): void {
    this.#items = [];
  }

  #indexOf(item: T): number {
    for (let at = this.#lowerBound(item); at < this.#items.length; at++) {
      const candidate = this.#items[at] as T;
      if (candidate === item) return at;
      if (this.#compare(candidate, item) !== 0) break;
    }
    return -1;
  }

  #lowerBound(item: T): number {
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(this.#items[middle] as T, item) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #upperBound(item: T): number {
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(this.#items[middle] as T, item) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
