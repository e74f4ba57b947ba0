import { createHmac, randomBytes } from 'node:crypto';

/** How many verified credentials are remembered (LRU). */
export const DEFAULT_VERIFIED_CAPACITY = 10_000;

/**
 * The credentials that passed a slow check recently, so that a legitimate client pays for bcrypt
 * once, not on every request. Kept bounded (least recently used dropped first) and keyed by an
 * HMAC, with a key drawn at start, of the credentials' version, the user and the password: no
 * password or plain hash of one is held, and a changed Secret (a new version) or password misses.
 * Failures are never remembered, so a flood of wrong passwords cannot evict good entries faster
 * than it could by succeeding.
 */
export class VerifiedCredentials {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, true>();
  readonly #capacity: number;

  constructor(capacity = DEFAULT_VERIFIED_CAPACITY) {
    this.#capacity = capacity;
  }

  /** The cache key of a credential: an HMAC, so lengths and bytes stay unambiguous. */
  keyOf(version: string, user: string, password: Buffer): string {
    const userBytes = Buffer.from(user, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(userBytes.length);
    return createHmac('sha256', this.#key)
      .update(version)
      .update('\0')
      .update(length)
      .update(userBytes)
      .update(password)
      .digest('base64');
  }

  /** Whether the key is remembered; a hit becomes the most recently used. */
  has(key: string): boolean {
    if (!this.#entries.has(key)) return false;
    this.#entries.delete(key);
    this.#entries.set(key, true);
    return true;
  }

  add(key: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, true);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
