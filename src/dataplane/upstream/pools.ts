import type { EventEmitter } from 'node:events';
import { Client, Pool, type Dispatcher } from 'undici';
import type { CompiledTable } from '../compile/index.ts';
import type { Endpoint } from '../../ir/index.ts';
import { endpointKey, endpointOrigin } from './origin.ts';

/** Settings for the connection pools to upstream endpoints. */
export interface UpstreamPoolOptions {
  /** Time allowed to establish a TCP connection. */
  readonly connectTimeoutMs: number;
  /** Time allowed between sending the request and receiving the whole response head. */
  readonly responseHeadersTimeoutMs: number;
  /** Longest gap allowed between two response body chunks; 0 turns it off. */
  readonly responseBodyTimeoutMs: number;
  /** How long an idle upstream connection is kept for reuse (upstream hints may lower it). */
  readonly keepAliveTimeoutMs: number;
  /** How long an endpoint must be absent from the live table before its pool is closed. */
  readonly retireAfterMs: number;
  /**
   * Told about 'error' events on undici's clients. undici emits one only when a request
   * handler throws, which the proxy's never do; without a listener it would end the process.
   */
  readonly onClientError?: (error: unknown) => void;
}

interface PoolEntry {
  readonly key: string;
  readonly pool: Pool;
  /** When the endpoint was first seen missing from the live table; -1 while it is present. */
  absentSince: number;
  closed: boolean;
}

/**
 * One keep-alive undici Pool per endpoint `address:port`, created on first use. Pools whose
 * endpoint has left the live table are closed gracefully once it has been gone for
 * `retireAfterMs` (see {@link UpstreamPools.sweep}); undici's close lets running requests end.
 */
export class UpstreamPools {
  readonly #options: UpstreamPoolOptions;
  readonly #byKey = new Map<string, PoolEntry>();
  // Endpoint objects are frozen IR shared by every request of a table: looking them up by
  // identity spares building the `address:port` key on each request.
  #byEndpoint = new WeakMap<Endpoint, PoolEntry>();
  #liveFor: CompiledTable | null | undefined;
  #liveKeys = new Set<string>();

  constructor(options: UpstreamPoolOptions) {
    this.#options = options;
  }

  /** Number of open pools. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The pool for an endpoint, created when missing. */
  get(endpoint: Endpoint): Dispatcher {
    const known = this.#byEndpoint.get(endpoint);
    if (known !== undefined && !known.closed) return known.pool;
    const key = endpointKey(endpoint);
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = { key, pool: this.#createPool(endpoint), absentSince: -1, closed: false };
      this.#byKey.set(key, entry);
    }
    this.#byEndpoint.set(endpoint, entry);
    return entry.pool;
  }

  /**
   * Sends one request on a new connection of its own, closed once the request is done: for
   * the retry after a pooled connection turned out to be closed, whose siblings in the pool
   * may be just as stale.
   */
  dispatchFresh(
    endpoint: Endpoint,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void {
    const client = this.#createClient(new URL(endpointOrigin(endpoint)), this.#clientOptions());
    client.dispatch(options, handler);
    // close() lets the request just dispatched finish first.
    void client.close().catch(ignore);
  }

  /**
   * Closes the pools of endpoints that have been missing from `table` for `retireAfterMs`
   * as of `now` (milliseconds). Called from a timer; tests call it with their own clock.
   * Returns the keys of the pools it closed.
   */
  sweep(table: CompiledTable | null, now: number): string[] {
    const live = this.#liveKeysOf(table);
    const closed: string[] = [];
    for (const entry of this.#byKey.values()) {
      if (live.has(entry.key)) {
        entry.absentSince = -1;
      } else if (entry.absentSince < 0) {
        entry.absentSince = now;
      } else if (now - entry.absentSince >= this.#options.retireAfterMs) {
        this.#retire(entry);
        closed.push(entry.key);
      }
    }
    return closed;
  }

  /** Closes every pool: running requests finish, then their connections close. */
  async close(): Promise<void> {
    const entries = [...this.#byKey.values()];
    this.#byKey.clear();
    this.#byEndpoint = new WeakMap();
    await Promise.all(entries.map((entry) => closeEntry(entry)));
  }

  /** Destroys every pool at once, failing what still runs on them. */
  async destroy(): Promise<void> {
    const entries = [...this.#byKey.values()];
    this.#byKey.clear();
    this.#byEndpoint = new WeakMap();
    await Promise.all(
      entries.map(async (entry) => {
        entry.closed = true;
        await entry.pool.destroy().catch(ignore);
      }),
    );
  }

  #createPool(endpoint: Endpoint): Pool {
    return new Pool(endpointOrigin(endpoint), {
      ...this.#clientOptions(),
      factory: (origin, clientOptions) => this.#createClient(origin, clientOptions),
    });
  }

  #clientOptions(): Client.Options {
    const options = this.#options;
    return {
      connect: { timeout: options.connectTimeoutMs, noDelay: true },
      headersTimeout: options.responseHeadersTimeoutMs,
      bodyTimeout: options.responseBodyTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      pipelining: 1,
    };
  }

  #createClient(origin: URL, clientOptions: object): Client {
    const client = new Client(origin, clientOptions);
    // undici's typings list only its own events; 'error' is EventEmitter's.
    const emitter: EventEmitter = client;
    emitter.on('error', this.#options.onClientError ?? ignore);
    return client;
  }

  #liveKeysOf(table: CompiledTable | null): Set<string> {
    if (table === this.#liveFor) return this.#liveKeys;
    const keys = new Set<string>();
    for (const backend of table?.table.backends ?? []) {
      for (const endpoint of backend.endpoints) keys.add(endpointKey(endpoint));
    }
    this.#liveFor = table;
    this.#liveKeys = keys;
    return keys;
  }

  #retire(entry: PoolEntry): void {
    this.#byKey.delete(entry.key);
    void closeEntry(entry);
  }
}

async function closeEntry(entry: PoolEntry): Promise<void> {
  entry.closed = true;
  await entry.pool.close().catch(ignore);
}

function ignore(): void {
  // A pool that fails to close has nothing left to tell anyone.
}
