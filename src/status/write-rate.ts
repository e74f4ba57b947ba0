/**
 * The pace of the status writer's requests to the API server (`--status-write-rate`,
 * `--status-write-burst`): every request it makes (status updates, Events, and the reads they
 * need) takes a token from one bucket. The Lease renewals and the watches do not: a renewal
 * must never queue behind thousands of status writes, nor a list behind them.
 */
export interface WriteRate {
  /** Requests per second, on average (the bucket's refill rate). */
  readonly requestsPerSecond: number;
  /** Requests that may go at once after a quiet spell (the bucket's size). */
  readonly burst: number;
}

/**
 * The default rate: 100 requests/s, bursts of 200, so that a leader publishes its address on
 * 10,000 new Ingresses (one status update each) in about 100 s. For scale: client-go's
 * `rest.Config` defaults to 5/s with bursts of 10 (`DefaultQPS`, `DefaultBurst`); the recommended
 * client defaults of Kubernetes components are 50/100 (component-base), kube-controller-manager's
 * `--kube-api-qps`/`--kube-api-burst` 20/30 shared by all its controllers; ingress-nginx updates
 * statuses 10 at a time, with client-go's defaults since 2019 and no limit before. Only one
 * replica (the leader) writes, only when something changed, and the API server protects itself
 * with API Priority and Fairness (a service account's requests queue in `workload-low`, and a
 * 429 answer is retried with a backoff like any failure).
 */
export const DEFAULT_WRITE_RATE: WriteRate = { requestsPerSecond: 100, burst: 200 };

/** The largest rate and burst accepted: past these a limit no longer limits anything. */
export const MAX_WRITE_RATE: WriteRate = { requestsPerSecond: 10_000, burst: 10_000 };

/** The burst that goes with a rate when none is given: two seconds' worth (at least 1). */
export function defaultBurstFor(requestsPerSecond: number): number {
  return Math.min(MAX_WRITE_RATE.burst, Math.max(1, Math.ceil(2 * requestsPerSecond)));
}

// The time per request the workers are sized for: a healthy API server answers a status update
// in a few milliseconds, so this leaves room for a slow one before the rate is not reached.
const ASSUMED_REQUEST_MS = 200;
const MIN_WORKERS = 4;
const MAX_WORKERS = 64;

/**
 * Ingresses worked on at once for a rate when none is given: enough that the rate, not the
 * requests in flight, is the limit while each request takes up to 200 ms; 4 to 64. 100/s gives
 * 20, of which a healthy API server (a few milliseconds per request) keeps one or two busy.
 */
export function workersFor(requestsPerSecond: number): number {
  const needed = Math.ceil((requestsPerSecond * ASSUMED_REQUEST_MS) / 1000);
  return Math.min(MAX_WORKERS, Math.max(MIN_WORKERS, needed));
}
