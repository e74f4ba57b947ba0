import { createHash } from 'node:crypto';
import type { ExternalAuthCacheDuration } from '../../ir/index.ts';
import type { AuthAnswer } from './external-auth-client.ts';

/** Entries kept at most, over every route of one proxy (nginx's auth_cache zone is 10 MB). */
export const AUTH_CACHE_ENTRIES = 10_000;

/** The header bytes one entry may keep; an answer with more is not cached. */
export const AUTH_CACHE_ENTRY_BYTES = 8 * 1024;

interface Entry {
  readonly answer: AuthAnswer;
  readonly expiresAt: number;
}

/**
 * Auth answers kept for auth-cache-duration, by key (auth-cache-key filled in, with the host,
 * the route and the auth URL, hashed so that a long cookie costs 32 bytes), least recently used
 * evicted past the bound. Expired entries are dropped when met.
 */
export class AuthCache {
  readonly #entries = new Map<string, Entry>();
  readonly #limit: number;

  constructor(limit = AUTH_CACHE_ENTRIES) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The stable key of a cache entry for these parts. */
  static keyOf(parts: readonly string[]): string {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part).update('\0');
    return hash.digest('base64');
  }

  get(key: string, now: number): AuthAnswer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.answer;
  }

  /**
   * Keeps an answer when a duration covers its status and nginx's proxy cache would: not when
   * it sets a cookie, says no-store, no-cache or private, or varies on everything. Only the
   * headers named in `keep` (lower case) are kept, at most {@link AUTH_CACHE_ENTRY_BYTES}.
   */
  put(
    key: string,
    answer: AuthAnswer,
    durations: readonly ExternalAuthCacheDuration[],
    keep: readonly string[],
    now: number,
  ): void {
    const ttlMs = ttlOf(answer.status, durations);
    if (ttlMs <= 0 || !cacheable(answer)) return;
    const headers: Record<string, readonly string[]> = {};
    let bytes = 0;
    for (const name of keep) {
      const values = answer.headers[name];
      if (values === undefined) continue;
      headers[name] = values;
      for (const value of values) bytes += name.length + value.length;
    }
    if (bytes > AUTH_CACHE_ENTRY_BYTES) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { answer: { status: answer.status, headers }, expiresAt: now + ttlMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}

function ttlOf(status: number, durations: readonly ExternalAuthCacheDuration[]): number {
  for (const { statuses, ttlMs } of durations) {
    if (statuses === 'any' || statuses.includes(status)) return ttlMs;
  }
  return 0;
}

function cacheable(answer: AuthAnswer): boolean {
  if ((answer.headers['set-cookie'] ?? []).length > 0) return false;
  const control = (answer.headers['cache-control'] ?? []).join(',').toLowerCase();
  if (/\b(no-store|no-cache|private)\b/.test(control)) return false;
  return !(answer.headers['vary'] ?? []).some((value) => value.trim() === '*');
}
