const EMPTY = -1;
/** Words of a key: the zone (and kind of limit), the address family, four address words. */
export const KEY_WORDS = 6;

/**
 * Per-(zone, client address) limit state in memory fixed when it is built: at most `capacity`
 * entries, the least recently used forgotten for a new one. An entry can be pinned
 * ({@link pin}): it is then out of the LRU list, never forgotten, until {@link unpin} puts it
 * back as the most recently used; with every entry pinned, {@link insert} refuses (nginx's
 * limit_conn answers its status when its zone is full rather than drop a live count). Request
 * rate buckets never pin: forgetting the oldest bucket is what nginx's limit_req does too.
 * Keys are numbers in typed arrays (an open-addressing hash table with linear probing and an
 * LRU list over the entries), so a flood of distinct addresses allocates nothing that outlives
 * the request: the heap does not fill with evicted keys between collections, and memory stays
 * flat (bench/rate-limit-memory.ts). The hash is seeded per process, so that clients cannot
 * choose addresses that pile up in one probe run.
 */
export class RateTable {
  readonly capacity: number;
  #size = 0;
  readonly #mask: number;
  readonly #seed: number;
  /** Table position to entry, EMPTY where free. */
  readonly #slots: Int32Array;
  readonly #keys: Int32Array;
  readonly #hashes: Int32Array;
  readonly #excess: Float64Array;
  readonly #last: Float64Array;
  readonly #newer: Int32Array;
  readonly #older: Int32Array;
  /** 1 for a pinned entry: out of the LRU list, so eviction never has to skip it. */
  readonly #pinned: Uint8Array;
  #newest = EMPTY;
  #oldest = EMPTY;

  /** Throws a RangeError unless `capacity` is an integer from 1 to 2^26. */
  static checkCapacity(capacity: number): void {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 26) {
      throw new RangeError(`capacity must be from 1 to 2^26, not ${String(capacity)}`);
    }
  }

  constructor(capacity: number, seed = (Math.random() * 2 ** 32) | 0) {
    RateTable.checkCapacity(capacity);
    this.capacity = capacity;
    this.#seed = seed;
    let tableSize = 2;
    while (tableSize < capacity * 2) tableSize *= 2;
    this.#mask = tableSize - 1;
    this.#slots = new Int32Array(tableSize).fill(EMPTY);
    this.#keys = new Int32Array(capacity * KEY_WORDS);
    this.#hashes = new Int32Array(capacity);
    this.#excess = new Float64Array(capacity);
    this.#last = new Float64Array(capacity);
    this.#newer = new Int32Array(capacity).fill(EMPTY);
    this.#older = new Int32Array(capacity).fill(EMPTY);
    this.#pinned = new Uint8Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The entry of a key (KEY_WORDS words), which becomes the most recently used (a pinned one
   * stays out of the LRU list); -1 if none.
   */
  find(key: Int32Array): number {
    const hash = this.#hash(key);
    for (let pos = hash & this.#mask; ; pos = (pos + 1) & this.#mask) {
      const entry = this.#slots[pos] as number;
      if (entry === EMPTY) return EMPTY;
      if (this.#hashes[entry] === hash && this.#sameKey(entry, key)) {
        if (this.#pinned[entry] === 0) this.#touch(entry);
        return entry;
      }
    }
  }

  /**
   * Adds a key that {@link find} did not find, forgetting the least recently used unpinned
   * entry when full: O(1), since pinned entries are not in the LRU list. Returns the new entry,
   * or -1 (nothing added) when the table is full and every entry is pinned.
   */
  insert(key: Int32Array, excess: number, last: number): number {
    let entry: number;
    if (this.#size < this.capacity) {
      entry = this.#size++;
    } else {
      entry = this.#oldest;
      if (entry === EMPTY) return EMPTY;
      this.#removeSlot(entry);
      this.#unlink(entry);
    }
    const hash = this.#hash(key);
    this.#keys.set(key.subarray(0, KEY_WORDS), entry * KEY_WORDS);
    this.#hashes[entry] = hash;
    this.#excess[entry] = excess;
    this.#last[entry] = last;
    let pos = hash & this.#mask;
    while (this.#slots[pos] !== EMPTY) pos = (pos + 1) & this.#mask;
    this.#slots[pos] = entry;
    this.#pinned[entry] = 0;
    this.#link(entry);
    return entry;
  }

  /** Keeps an entry from being forgotten until {@link unpin}: takes it out of the LRU list. */
  pin(entry: number): void {
    if (this.#pinned[entry] === 1) return;
    this.#pinned[entry] = 1;
    this.#unlink(entry);
  }

  /** Lets a pinned entry be forgotten again, as the most recently used. */
  unpin(entry: number): void {
    if (this.#pinned[entry] === 0) return;
    this.#pinned[entry] = 0;
    this.#link(entry);
  }

  /** Whether an entry is pinned. */
  isPinned(entry: number): boolean {
    return this.#pinned[entry] === 1;
  }

  excessOf(entry: number): number {
    return this.#excess[entry] as number;
  }

  lastOf(entry: number): number {
    return this.#last[entry] as number;
  }

  update(entry: number, excess: number, last: number): void {
    this.#excess[entry] = excess;
    this.#last[entry] = last;
  }

  clear(): void {
    this.#slots.fill(EMPTY);
    this.#newer.fill(EMPTY);
    this.#older.fill(EMPTY);
    this.#pinned.fill(0);
    this.#size = 0;
    this.#newest = EMPTY;
    this.#oldest = EMPTY;
  }

  #hash(key: Int32Array): number {
    let h = this.#seed;
    for (let i = 0; i < KEY_WORDS; i++) {
      h = Math.imul(h ^ (key[i] as number), 0x9e3779b1);
      h ^= h >>> 15;
    }
    // murmur3's finaliser, for the low bits the table uses.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  #sameKey(entry: number, key: Int32Array): boolean {
    const base = entry * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (this.#keys[base + i] !== key[i]) return false;
    return true;
  }

  /** Takes an entry out of the hash table, shifting back the entries probed past it. */
  #removeSlot(entry: number): void {
    const mask = this.#mask;
    let hole = (this.#hashes[entry] as number) & mask;
    while (this.#slots[hole] !== entry) hole = (hole + 1) & mask;
    for (let next = (hole + 1) & mask; this.#slots[next] !== EMPTY; next = (next + 1) & mask) {
      const moved = this.#slots[next] as number;
      const home = (this.#hashes[moved] as number) & mask;
      // It stays when its home lies cyclically in (hole, next]: the hole is not on its probe path.
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      this.#slots[hole] = moved;
      hole = next;
    }
    this.#slots[hole] = EMPTY;
  }

  #touch(entry: number): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#link(entry);
  }

  #link(entry: number): void {
    this.#older[entry] = this.#newest;
    this.#newer[entry] = EMPTY;
    if (this.#newest !== EMPTY) this.#newer[this.#newest] = entry;
    this.#newest = entry;
    if (this.#oldest === EMPTY) this.#oldest = entry;
  }

  #unlink(entry: number): void {
    const newer = this.#newer[entry] as number;
    const older = this.#older[entry] as number;
    if (newer === EMPTY) this.#newest = older;
    else this.#older[newer] = older;
    if (older === EMPTY) this.#oldest = newer;
    else this.#newer[older] = newer;
  }
}
