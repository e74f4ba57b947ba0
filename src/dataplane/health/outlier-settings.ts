/**
 * Passive health checking (outlier ejection) settings, as `serve`'s `--outlier-*` flags give
 * them (docs/cli.md#upstream-resilience).
 */
export interface OutlierSettings {
  /**
   * Failures in a row (connect refused, reset or closed before a response, response timeout)
   * that eject an endpoint; 0 turns ejection off altogether. A connect timeout ejects at once.
   */
  readonly consecutiveFailures: number;
  /** 5xx answers in a row that eject an endpoint; 0 (the default): 5xx answers never do. */
  readonly consecutive5xx: number;
  /** The first ejection's length; the n-th lasts n times as long, up to `maxEjectionMs`. */
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /**
   * The largest share of one backend's endpoints out at once, in percent (at least one is always
   * allowed). Beyond it every endpoint of that backend is used again, as Envoy's panic threshold.
   */
  readonly maxEjectedPercent: number;
  /**
   * A connect pending this long takes its endpoint out of rotation until it ends (connected,
   * refused, or timed out: then ejected); 0: never. The connect timeout still applies to it.
   */
  readonly slowConnectMs: number;
}

/**
 * Retry budget settings (Finagle's RetryBudget): over the last 10 seconds a backend may see at
 * most `minPerSecond` times 10 retries plus `percent` of its requests.
 */
export interface RetryBudgetSettings {
  readonly percent: number;
  readonly minPerSecond: number;
}

/**
 * Defaults: three failures in a row (a pooled connection the endpoint closed in the same
 * instant is one failure, not a pattern), 10 s growing to 5 min, and at most half of a backend
 * out (Envoy's 10 % would never eject one of a Service's three endpoints; its rule that one is
 * always allowed is kept).
 */
export const DEFAULT_OUTLIER_SETTINGS: OutlierSettings = {
  consecutiveFailures: 3,
  consecutive5xx: 0,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectedPercent: 50,
  // A connect within a cluster takes milliseconds; Linux resends a lost SYN only after 1 s.
  slowConnectMs: 250,
};

/** Finagle's defaults (`RetryBudget()`: 20 % of requests, 10 retries a second at least). */
export const DEFAULT_RETRY_BUDGET: RetryBudgetSettings = { percent: 20, minPerSecond: 10 };

/** What is wrong with outlier settings, one sentence each; empty when they are valid. */
export function outlierSettingsProblems(settings: OutlierSettings): string[] {
  const problems: string[] = [];
  const whole = (name: string, value: number, max: number): void => {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      problems.push(
        `${name} must be a whole number from 0 to ${String(max)}, not ${String(value)}`,
      );
    }
  };
  whole('consecutive failures', settings.consecutiveFailures, 1000);
  whole('consecutive 5xx', settings.consecutive5xx, 1000);
  whole('max ejected percent', settings.maxEjectedPercent, 100);
  if (!(settings.baseEjectionMs >= 1)) problems.push('the base ejection time must be positive');
  if (!(settings.slowConnectMs >= 0)) problems.push('the slow connect time must not be negative');
  if (!(settings.maxEjectionMs >= settings.baseEjectionMs)) {
    problems.push('the max ejection time must be at least the base ejection time');
  }
  return problems;
}

/** What is wrong with retry budget settings; empty when they are valid. */
export function retryBudgetProblems(settings: RetryBudgetSettings): string[] {
  const problems: string[] = [];
  if (!(settings.percent >= 0 && settings.percent <= 1000)) {
    problems.push(
      `the retry budget percent must be from 0 to 1000, not ${String(settings.percent)}`,
    );
  }
  if (!(settings.minPerSecond >= 0 && settings.minPerSecond <= 1_000_000)) {
    problems.push(
      `the retry budget's minimum per second must be from 0 to 1000000, not ${String(settings.minPerSecond)}`,
    );
  }
  return problems;
}
