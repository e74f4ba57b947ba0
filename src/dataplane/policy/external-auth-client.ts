import type { EventEmitter } from 'node:events';
import type { Pool } from 'undici';

/** What the auth service answered: its status and the headers the gate looks at. */
export interface AuthAnswer {
  readonly status: number;
  /** Response headers by lower-case name; repeated headers keep every value. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

/** One auth request, ready to send. */
export interface AuthCall {
  readonly origin: string;
  readonly method: string;
  /** Origin-form path and query. */
  readonly path: string;
  /** Flat `[name, value, ...]`, as sent. */
  readonly headers: readonly string[];
  /** The longest the whole exchange may take (queue, connect, response head). */
  readonly timeoutMs: number;
}

/**
 * undici, loaded when the first auth request goes out: a proxy without external auth does not
 * pay its memory (with its WebAssembly HTTP parser; the proxy's own upstream path
 * does not use it).
 */
let undici: Promise<typeof import('undici')> | undefined;
function loadUndici(): Promise<typeof import('undici')> {
  undici ??= import('undici');
  return undici;
}

/** Why no answer came: the service refused, failed, or took too long; or too many wait. */
export type AuthFailure = { readonly failed: 'unavailable'; readonly reason: string };

/** Bounds of the auth clients (one proxy's). */
export interface AuthClientLimits {
  /** Connections to one auth origin at most. */
  readonly connectionsPerOrigin: number;
  /** Auth origins with a pool at once; the least recently used one is closed past it. */
  readonly origins: number;
  /** Auth requests waiting or in flight at once, over all origins; more are refused. */
  readonly pending: number;
  /** Time allowed to connect, in milliseconds (nginx's proxy_connect_timeout default, 5s). */
  readonly connectTimeoutMs: number;
  /** How long an idle connection is kept for the next auth request. */
  readonly keepAliveMs: number;
}

/** The defaults of {@link AuthClients}. */
export const AUTH_CLIENT_LIMITS: AuthClientLimits = {
  connectionsPerOrigin: 64,
  origins: 64,
  pending: 4096,
  connectTimeoutMs: 5000,
  keepAliveMs: 60_000,
};

// The auth answer's body is never used: what is read of it to keep the connection is bounded.
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The connections of one proxy to its auth services: an undici Pool per auth origin (created on
 * first use, bounded in connections, kept alive), the number of auth requests at once bounded,
 * each exchange bounded in time. The auth request never carries a body.
 */
export class AuthClients {
  readonly #limits: AuthClientLimits;
  // Insertion order is use order: a hit is moved to the end, the first entry is the oldest.
  readonly #pools = new Map<string, Pool>();
  #pending = 0;
  #closed = false;

  constructor(limits: AuthClientLimits = AUTH_CLIENT_LIMITS) {
    this.#limits = limits;
  }

  /** Number of auth origins with an open pool. */
  get size(): number {
    return this.#pools.size;
  }

  /** Sends one auth request: its answer, or why there is none. Never rejects. */
  async send(call: AuthCall): Promise<AuthAnswer | AuthFailure> {
    if (this.#closed) return { failed: 'unavailable', reason: 'the proxy is closing' };
    if (this.#pending >= this.#limits.pending) {
      return { failed: 'unavailable', reason: 'too many auth requests waiting' };
    }
    this.#pending++;
    try {
      const pool = await this.#pool(call.origin);
      if (pool === null) return { failed: 'unavailable', reason: 'the proxy is closing' };
      const response = await pool.request({
        method: call.method,
        path: call.path,
        headers: call.headers as string[],
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      await response.body.dump({ limit: MAX_BODY_BYTES }).catch(() => undefined);
      return { status: response.statusCode, headers: headerLists(response.headers) };
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { failed: 'unavailable', reason };
    } finally {
      this.#pending--;
    }
  }

  /** Closes every pool, ending their connections. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
  }

  /** The pool of `origin`, made on first use; null once closed. */
  async #pool(origin: string): Promise<Pool | null> {
    const { Pool: UndiciPool } = await loadUndici();
    if (this.#closed) return null;
    const known = this.#pools.get(origin);
    if (known !== undefined) {
      this.#pools.delete(origin);
      this.#pools.set(origin, known);
      return known;
    }
    if (this.#pools.size >= this.#limits.origins) {
      const [oldest, pool] = this.#pools.entries().next().value as [string, Pool];
      this.#pools.delete(oldest);
      // Requests already on it finish; it takes no new ones.
      void pool.close().catch(() => undefined);
    }
    const pool = new UndiciPool(origin, {
      connections: this.#limits.connectionsPerOrigin,
      connectTimeout: this.#limits.connectTimeoutMs,
      keepAliveTimeout: this.#limits.keepAliveMs,
      keepAliveMaxTimeout: this.#limits.keepAliveMs,
      pipelining: 1,
    });
    // undici emits 'error' only when a handler throws; without a listener it would end the process.
    const emitter: EventEmitter = pool;
    emitter.on('error', () => undefined);
    this.#pools.set(origin, pool);
    return pool;
  }
}

function headerLists(
  headers: Record<string, string | string[] | undefined>,
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  }
  return out;
}
