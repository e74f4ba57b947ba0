import { DEFAULT_RETRY_BUDGET, type RetryBudgetSettings } from './outlier-settings.ts';

// Finagle's RetryBudget keeps its deposits for 10 seconds; so does this, in one-second buckets.
const BUCKETS = 10;
const BUCKET_MS = 1000;

interface Window {
  /** The bucket (whole seconds of the clock) the counts were last moved to. */
  second: number;
  readonly requests: Int32Array;
  readonly retries: Int32Array;
  requestTotal: number;
  retryTotal: number;
}

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  readonly settings?: RetryBudgetSettings;
  /** Monotonic milliseconds; performance.now() by default. */
  readonly now?: () => number;
}

/**
 * Bounds retries per backend to a share of its traffic (Finagle's RetryBudget, Envoy's
 * retry_budget): over the last 10 seconds a backend may see at most `minPerSecond` x 10 plus
 * `percent` of its requests in retries. When every endpoint fails, retries would otherwise
 * multiply the load on a backend that is already down by the number of tries.
 */
export class RetryBudget {
  readonly #settings: RetryBudgetSettings;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: RetryBudgetOptions = {}) {
    this.#settings = options.settings ?? DEFAULT_RETRY_BUDGET;
    this.#now = options.now ?? performance.now.bind(performance);
  }

  /** A request's first attempt to the backend. */
  request(backendId: string): void {
    const window = this.#windowOf(backendId);
    window.requests[window.second % BUCKETS] = (window.requests[window.second % BUCKETS] ?? 0) + 1;
    window.requestTotal++;
  }

  /** Takes one retry from the backend's budget; false (and nothing taken) when it is spent. */
  withdraw(backendId: string): boolean {
    const window = this.#windowOf(backendId);
    const { percent, minPerSecond } = this.#settings;
    const allowed = minPerSecond * BUCKETS + (window.requestTotal * percent) / 100;
    if (window.retryTotal + 1 > allowed) return false;
    window.retries[window.second % BUCKETS] = (window.retries[window.second % BUCKETS] ?? 0) + 1;
    window.retryTotal++;
    return true;
  }

  /** Drops the windows of backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void {
    for (const id of this.#windows.keys()) if (!isLive(id)) this.#windows.delete(id);
  }

  #windowOf(backendId: string): Window {
    const second = Math.floor(this.#now() / BUCKET_MS);
    let window = this.#windows.get(backendId);
    if (window === undefined) {
      window = {
        second,
        requests: new Int32Array(BUCKETS),
        retries: new Int32Array(BUCKETS),
        requestTotal: 0,
        retryTotal: 0,
      };
      this.#windows.set(backendId, window);
      return window;
    }
    if (second !== window.second) advance(window, second);
    return window;
  }
}

/** Empties the buckets of the seconds between the window's last and `second`. */
function advance(window: Window, second: number): void {
  const steps = Math.min(BUCKETS, Math.max(0, second - window.second));
  for (let step = 1; step <= steps; step++) {
    const bucket = (window.second + step) % BUCKETS;
    window.requestTotal -= window.requests[bucket] ?? 0;
    window.retryTotal -= window.retries[bucket] ?? 0;
    window.requests[bucket] = 0;
    window.retries[bucket] = 0;
  }
  window.second = Math.max(second, window.second);
}
