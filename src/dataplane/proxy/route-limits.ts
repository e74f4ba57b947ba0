import type { PathRoute } from '../../ir/index.ts';
import type { ProxySettings } from './options.ts';
import { resolveRetries, type Retries } from './retry-policy.ts';

/**
 * How long a request may wait on its upstream and how large its body may be: a route's own
 * values (proxy-body-size, proxy-*-timeout) where it has them, else the proxy's settings.
 */
export interface RouteLimits {
  /** Largest request body in bytes; 0: no limit. */
  readonly maxBodyBytes: number;
  /** The route's connect timeout; absent: the pools' (`connectTimeoutMs`). */
  readonly connectTimeoutMs?: number;
  /** The route's longest wait between two reads from the upstream; absent: the settings'. */
  readonly readTimeoutMs?: number;
  /** Longest time the upstream may leave request body bytes untaken; 0: no limit. */
  readonly sendTimeoutMs: number;
  /** When a failed attempt goes to another endpoint (proxy-next-upstream*). */
  readonly retries: Retries;
}

/** The limits of a request routed to `route` (null: the default backend). */
export function routeLimits(route: PathRoute | null, settings: ProxySettings): RouteLimits {
  const policies = route?.policies;
  if (policies === undefined) {
    return { maxBodyBytes: settings.maxBodyBytes, sendTimeoutMs: 0, retries: settings.retries };
  }
  return {
    maxBodyBytes: policies.maxBodyBytes ?? settings.maxBodyBytes,
    ...(policies.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: policies.connectTimeoutMs }),
    ...(policies.readTimeoutMs === undefined ? {} : { readTimeoutMs: policies.readTimeoutMs }),
    sendTimeoutMs: policies.sendTimeoutMs ?? 0,
    retries: resolveRetries(policies.retry, settings.retries),
  };
}

/**
 * True when the request's Content-Length is over the limit. Node's parsers refuse one that is
 * not a number; anything odd left compares false, and the body is still counted as it streams.
 */
export function declaredTooLarge(contentLength: string | undefined, limits: RouteLimits): boolean {
  if (limits.maxBodyBytes === 0 || contentLength === undefined) return false;
  return Number(contentLength.trim()) > limits.maxBodyBytes;
}
