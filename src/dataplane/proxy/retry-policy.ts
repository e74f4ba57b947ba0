import type { Backend, Endpoint, RetryCondition, RetryPolicy } from '../../ir/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import { endpointKey, type UpstreamFailure } from '../upstream/index.ts';

/** A route's retry settings with every default filled in. */
export interface Retries {
  readonly on: ReadonlySet<RetryCondition>;
  /** Attempts in all, the first included; 0: one per endpoint (at least two). */
  readonly tries: number;
  /** No attempt starts later than this after the first one; 0: no bound. */
  readonly timeoutMs: number;
}

/**
 * Without annotations, ingress-nginx's defaults (`proxy-next-upstream: error timeout`, 3
 * tries, no time budget), so Ingresses behave as they did there.
 */
export const DEFAULT_RETRIES: Retries = {
  on: new Set(['error', 'timeout']),
  tries: 3,
  timeoutMs: 0,
};

/** The route's retry settings over the proxy's (`--proxy-next-upstream*`, else the defaults). */
export function resolveRetries(
  policy: RetryPolicy | undefined,
  defaults: Retries = DEFAULT_RETRIES,
): Retries {
  if (policy === undefined) return defaults;
  return {
    on: policy.on === undefined ? defaults.on : new Set(policy.on),
    tries: policy.tries ?? defaults.tries,
    timeoutMs: policy.timeoutMs ?? defaults.timeoutMs,
  };
}

/** Why an attempt is sent again: the failure's code, or the upstream status (`http_503`). */
export type RetryReason = ProxyErrorCode | `http_${number}`;

/** A failed attempt as a retry condition, and whether the request may have reached the upstream. */
export interface AttemptFailure {
  readonly condition: RetryCondition;
  /** False when nothing was sent (no connection): safe for any method. */
  readonly sent: boolean;
  readonly reason: RetryReason;
}

// RFC 9110 section 9.2.2, less TRACE, which is never forwarded.
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** The condition of an upstream error before the response started, or null: never retried. */
export function failureCondition(failure: UpstreamFailure): AttemptFailure | null {
  const reason = failure.code;
  if (reason === 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT') {
    return { condition: 'timeout', sent: false, reason };
  }
  if (reason === 'PM_ERR_UPSTREAM_TIMEOUT') return { condition: 'timeout', sent: true, reason };
  if (reason === 'PM_ERR_UPSTREAM_PROTOCOL') {
    return { condition: 'invalid_header', sent: true, reason };
  }
  if (failure.retry === 'never') return null;
  return { condition: 'error', sent: failure.retry === 'idempotent', reason };
}

/** The condition of an upstream answer's status, when it is one a route may retry on. */
export function statusCondition(status: number): AttemptFailure | null {
  const condition = `http_${String(status)}`;
  if (!STATUS_CONDITIONS.has(condition)) return null;
  return { condition: condition as RetryCondition, sent: true, reason: `http_${status}` };
}

const STATUS_CONDITIONS: ReadonlySet<string> = new Set([
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_403',
  'http_404',
  'http_429',
]);

/** What the proxied request knows when an attempt failed. */
export interface AttemptState {
  readonly retries: Retries;
  readonly method: string;
  /** The request has a body: it is streamed, never kept, so it cannot be sent twice. */
  readonly hasBody: boolean;
  /** Attempts made so far, the failed one included. */
  readonly attempts: number;
  readonly endpoints: number;
  /** The backend's endpoints this request has not tried yet. */
  readonly untried: number;
  /** When the first attempt started (performance.now()). */
  readonly firstStartMs: number;
  readonly nowMs: number;
}

/**
 * Whether `failure` sends the request to another attempt: its condition is listed, the method
 * is idempotent (or `non_idempotent` is listed, or nothing was sent), the request has no body,
 * attempts are left and the time budget has not run out. Once every endpoint was tried, only
 * an `error` is tried again (on a new connection, which may well work after a pooled one the
 * upstream had closed): an endpoint that timed out or answered a listed status is not asked
 * the same request twice.
 */
export function mayRetry(failure: AttemptFailure, state: AttemptState): boolean {
  const { retries } = state;
  if (state.hasBody || !retries.on.has(failure.condition)) return false;
  if (failure.sent && !IDEMPOTENT.has(state.method) && !retries.on.has('non_idempotent')) {
    return false;
  }
  if (state.untried === 0 && failure.condition !== 'error') return false;
  const tries = retries.tries === 0 ? Math.max(state.endpoints, 2) : retries.tries;
  if (state.attempts >= tries) return false;
  return retries.timeoutMs === 0 || state.nowMs - state.firstStartMs < retries.timeoutMs;
}

/**
 * The endpoint of the next attempt: the balancer's pick when this request has not tried it,
 * else one of the backend's endpoints it has not tried; the pick (or the last endpoint) when
 * it tried them all, on a new connection.
 */
export function nextEndpoint(
  backend: Backend,
  pick: Endpoint | undefined,
  tried: ReadonlySet<string>,
  last: Endpoint,
): Endpoint {
  if (pick !== undefined && !tried.has(endpointKey(pick))) return pick;
  const untried = backend.endpoints.filter((endpoint) => !tried.has(endpointKey(endpoint)));
  // Random among the rest, so the retries of one failing endpoint do not all land on one other.
  return untried[Math.floor(Math.random() * untried.length)] ?? pick ?? last;
}
