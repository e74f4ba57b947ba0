/**
 * Per-client request and connection limits of a route (limit-*), per replica, as ingress-nginx's
 * `limit_req` / `limit_conn` zones: one zone per Ingress (the route's `source` names it), shared
 * by all its paths, keyed by client address.
 */
export interface RateLimitPolicy {
  /** Requests per second per client (`limit-rps`), with a burst of `rps * burstMultiplier`. */
  readonly rps?: number;
  /** Requests per minute per client (`limit-rpm`), with a burst of `rpm * burstMultiplier`. */
  readonly rpm?: number;
  /** `limit-burst-multiplier` (default 5): requests over the rate let through at once, as nginx's `burst=... nodelay`. */
  readonly burstMultiplier: number;
  /** Requests in flight at once per client (`limit-connections`, nginx's `limit_conn`). */
  readonly connections?: number;
  /** Canonical CIDRs of clients exempt from every limit (`limit-allowlist`); absent: none. */
  readonly allowlist?: readonly string[];
  /** The status of a request over `rps`/`rpm` (`--limit-req-status-code`, default 503). */
  readonly requestStatus: number;
  /** The status of a request over `connections` (`--limit-conn-status-code`, default 503). */
  readonly connectionStatus: number;
}
