import type { CompiledTable } from '../compile/index.ts';
import type { Backend, Endpoint } from '../../ir/index.ts';
import type { ConnectTracker } from './connect-upstream.ts';
import { H1Origin } from './h1-origin.ts';
import { H2Origin } from './h2-origin.ts';
import { endpointKey, endpointOrigin } from './origin.ts';
import {
  HTTP_TARGET,
  poolKey,
  upstreamTarget,
  usesHttp2,
  usesTls,
  withConnectTimeout,
  type UpstreamDispatcher,
  type UpstreamHandler,
  type UpstreamRequest,
  type UpstreamTarget,
} from './protocol.ts';

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
   * Where HTTP/1.1 connects in progress are registered, so that ejecting their endpoint fails
   * the requests waiting on them at once (EndpointHealth); absent: connects run their course.
   */
  readonly connects?: ConnectTracker;
}

interface PoolEntry {
  readonly key: string;
  readonly target: UpstreamTarget;
  /** HTTP/1.1 connections for HTTP and HTTPS, HTTP/2 sessions for the other protocols. */
  readonly pool: H1Origin | H2Origin;
  /** When the endpoint was first seen missing from the live table; -1 while it is present. */
  absentSince: number;
  closed: boolean;
}

// HTTP/2 sessions kept to one endpoint at most; each carries up to 100 streams before another opens.
const MAX_H2_SESSIONS = 8;

/**
 * One keep-alive pool per endpoint `address:port` and protocol, created on first use:
 * {@link H1Origin} connections for HTTP and HTTPS (HTTP/1.1), {@link H2Origin} sessions for
 * H2C, GRPC and GRPCS.
 * Pools whose endpoint has left the live table are closed gracefully once it has been gone for
 * `retireAfterMs` (see {@link UpstreamPools.sweep}); closing lets running requests end.
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

  /** Where requests to an endpoint reached by `target` go; created when missing. */
  dispatcher(endpoint: Endpoint, target: UpstreamTarget = HTTP_TARGET): UpstreamDispatcher {
    return this.#entry(endpoint, target).pool;
  }

  #entry(endpoint: Endpoint, target: UpstreamTarget): PoolEntry {
    const known = this.#byEndpoint.get(endpoint);
    if (known !== undefined && !known.closed && sameTarget(known.target, target)) return known;
    const key = poolKey(endpoint, target);
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = this.#createEntry(key, endpoint, target);
      this.#byKey.set(key, entry);
    }
    this.#byEndpoint.set(endpoint, entry);
    return entry;
  }

  /**
   * Sends one request on a new connection of its own, closed once the request is done: for
   * the retry after a pooled connection turned out to be closed, whose siblings in the pool
   * may be just as stale.
   */
  dispatchFresh(
    endpoint: Endpoint,
    options: UpstreamRequest,
    handler: UpstreamHandler,
    target: UpstreamTarget = HTTP_TARGET,
  ): void {
    const pool = this.#entry(endpoint, target).pool;
    // A closed HTTP/2 session leaves its pool at once, so the pool's next stream is on a new one.
    if (pool instanceof H2Origin) pool.dispatch(options, handler);
    else pool.dispatchFresh(options, handler);
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

  #createEntry(key: string, endpoint: Endpoint, target: UpstreamTarget): PoolEntry {
    const base = { key, target, absentSince: -1, closed: false };
    const tls = usesTls(target.protocol);
    const options = this.#options;
    const connectTimeoutMs = target.connectTimeoutMs ?? options.connectTimeoutMs;
    const timeouts = {
      connectTimeoutMs,
      responseHeadersTimeoutMs: options.responseHeadersTimeoutMs,
      responseBodyTimeoutMs: options.responseBodyTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    };
    if (usesHttp2(target.protocol)) {
      const pool = new H2Origin({
        origin: endpointOrigin(endpoint, tls ? 'https' : 'http'),
        servername: target.servername,
        ...(target.tls === undefined ? {} : { tls: target.tls.options }),
        ...timeouts,
        maxSessions: MAX_H2_SESSIONS,
      });
      return { ...base, pool };
    }
    // Upstream certificates are not verified (docs/tls.md), as ingress-nginx does by default,
    // unless the backend's proxy-ssl settings ask for it. The server name is the Service's,
    // the same for every request, so that the TLS sessions resume.
    const pool = new H1Origin({
      hostname: endpoint.address,
      port: endpoint.port,
      authority: endpointKey(endpoint),
      tls: tls
        ? {
            rejectUnauthorized: false,
            ...(target.servername === null ? {} : { servername: target.servername }),
            ...target.tls?.options,
          }
        : undefined,
      ...timeouts,
      connects: options.connects,
    });
    return { ...base, pool };
  }

  #liveKeysOf(table: CompiledTable | null): Set<string> {
    if (table === this.#liveFor) return this.#liveKeys;
    const keys = new Set<string>();
    const byId = new Map<string, Backend>();
    for (const backend of table?.table.backends ?? []) {
      byId.set(backend.id, backend);
      const target = upstreamTarget(backend, table?.upstreamTls);
      for (const endpoint of backend.endpoints) keys.add(poolKey(endpoint, target));
    }
    // Routes with a connect timeout of their own reach their backend through pools of their own.
    for (const host of table?.table.hosts ?? []) {
      for (const route of host.paths) {
        const connect = route.policies?.connectTimeoutMs;
        const backend = connect === undefined ? undefined : byId.get(route.backend);
        if (backend === undefined) continue;
        const target = withConnectTimeout(upstreamTarget(backend, table?.upstreamTls), connect);
        for (const endpoint of backend.endpoints) keys.add(poolKey(endpoint, target));
      }
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

function sameTarget(a: UpstreamTarget, b: UpstreamTarget): boolean {
  return (
    a === b ||
    (a.protocol === b.protocol &&
      a.servername === b.servername &&
      a.connectTimeoutMs === b.connectTimeoutMs &&
      a.tls?.key === b.tls?.key)
  );
}

async function closeEntry(entry: PoolEntry): Promise<void> {
  entry.closed = true;
  await entry.pool.close().catch(ignore);
}

function ignore(): void {
  // A pool that fails to close has nothing left to tell anyone.
}
