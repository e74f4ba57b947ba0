import {
  DEFAULT_OUTLIER_SETTINGS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BUDGET,
  type OutlierSettings,
  type Retries,
  type RetryBudgetSettings,
} from '../dataplane/index.ts';
import { parseRetryConditions } from '../translate/index.ts';
import { parseDuration, parseInteger } from './duration.ts';
import { UsageError } from './io.ts';

/**
 * `serve`'s upstream resilience flags: when a failed attempt is retried (ingress-nginx's
 * ConfigMap keys `proxy-next-upstream`, `-tries`, `-timeout`, which the per-Ingress annotations
 * of the same names override), passive health (outlier ejection) and the retry budget.
 */
export const RESILIENCE_FLAGS = {
  'proxy-next-upstream': { type: 'string' },
  'proxy-next-upstream-tries': { type: 'string' },
  'proxy-next-upstream-timeout': { type: 'string' },
  'outlier-consecutive-failures': { type: 'string' },
  'outlier-consecutive-5xx': { type: 'string' },
  'outlier-base-ejection-time': { type: 'string' },
  'outlier-max-ejection-time': { type: 'string' },
  'outlier-max-ejected-percent': { type: 'string' },
  'outlier-slow-connect': { type: 'string' },
  'retry-budget-percent': { type: 'string' },
  'retry-budget-min-per-second': { type: 'string' },
} as const;

const O = DEFAULT_OUTLIER_SETTINGS;

/** Help text of {@link RESILIENCE_FLAGS}. */
export const RESILIENCE_FLAGS_HELP = `      --proxy-next-upstream CONDITIONS
                                  when a failed attempt goes to another endpoint, for Ingresses
                                  without the annotation: error, timeout, invalid_header,
                                  http_500|502|503|504|403|404|429, non_idempotent, or off
                                  (default: "error timeout")
      --proxy-next-upstream-tries N
                                  attempts in all, the first included; 0: one per endpoint
                                  (default: ${String(DEFAULT_RETRIES.tries)})
      --proxy-next-upstream-timeout DUR
                                  no retry starts later than this after the first attempt; 0:
                                  no bound (default: 0)
      --outlier-consecutive-failures N
                                  failures in a row (refused, reset, timed out) that take an
                                  endpoint out of rotation; a connect timeout does it at once;
                                  0 turns ejection off (default: ${String(O.consecutiveFailures)})
      --outlier-consecutive-5xx N 5xx answers in a row that eject an endpoint; 0: never
                                  (default: 0)
      --outlier-base-ejection-time DUR
                                  first ejection's length; the n-th lasts n times as long
                                  (default: ${String(O.baseEjectionMs / 1000)}s)
      --outlier-max-ejection-time DUR
                                  longest ejection (default: ${String(O.maxEjectionMs / 60_000)}m)
      --outlier-max-ejected-percent N
                                  most of a backend's endpoints out at once (at least one);
                                  beyond it all are used (default: ${String(O.maxEjectedPercent)})
      --outlier-slow-connect DUR  a connect pending this long keeps new requests off its
                                  endpoint until it ends; 0: never (default: ${String(O.slowConnectMs)}ms)
      --retry-budget-percent N    retries a backend may see, as a share of its requests over
                                  10 s (default: ${String(DEFAULT_RETRY_BUDGET.percent)})
      --retry-budget-min-per-second N
                                  retries always allowed per backend and second
                                  (default: ${String(DEFAULT_RETRY_BUDGET.minPerSecond)})`;

type ResilienceValues = { readonly [K in keyof typeof RESILIENCE_FLAGS]?: string | undefined };

/** What the flags set: the default retries, passive health and the retry budget. */
export interface ResilienceSettings {
  readonly retries: Retries;
  readonly outlier: OutlierSettings;
  readonly retryBudget: RetryBudgetSettings;
}

/** Reads the flags over the defaults; a bad value is a usage error naming its flag. */
export function resilienceSettingsFrom(values: ResilienceValues): ResilienceSettings {
  const whole = (flag: keyof ResilienceValues, fallback: number, max: number): number => {
    const value = values[flag];
    return value === undefined ? fallback : parseInteger(flag, value, 0, max);
  };
  const duration = (flag: keyof ResilienceValues, fallback: number): number => {
    const value = values[flag];
    return value === undefined ? fallback : parseDuration(flag, value);
  };
  const conditions = values['proxy-next-upstream'];
  let on = DEFAULT_RETRIES.on;
  if (conditions !== undefined) {
    const parsed = parseRetryConditions(conditions.trim());
    if (typeof parsed === 'string') throw new UsageError(`--proxy-next-upstream: ${parsed}`);
    on = new Set(parsed);
  }
  const retries: Retries = {
    on,
    tries: whole('proxy-next-upstream-tries', DEFAULT_RETRIES.tries, 100),
    timeoutMs: duration('proxy-next-upstream-timeout', DEFAULT_RETRIES.timeoutMs),
  };
  const outlier: OutlierSettings = {
    consecutiveFailures: whole('outlier-consecutive-failures', O.consecutiveFailures, 1000),
    consecutive5xx: whole('outlier-consecutive-5xx', O.consecutive5xx, 1000),
    baseEjectionMs: duration('outlier-base-ejection-time', O.baseEjectionMs),
    maxEjectionMs: duration('outlier-max-ejection-time', O.maxEjectionMs),
    maxEjectedPercent: whole('outlier-max-ejected-percent', O.maxEjectedPercent, 100),
    slowConnectMs: duration('outlier-slow-connect', O.slowConnectMs),
  };
  if (outlier.baseEjectionMs < 1) {
    throw new UsageError('--outlier-base-ejection-time must be longer than 0');
  }
  if (outlier.maxEjectionMs < outlier.baseEjectionMs) {
    throw new UsageError(
      '--outlier-max-ejection-time must be at least --outlier-base-ejection-time',
    );
  }
  const retryBudget: RetryBudgetSettings = {
    percent: whole('retry-budget-percent', DEFAULT_RETRY_BUDGET.percent, 1000),
    minPerSecond: whole(
      'retry-budget-min-per-second',
      DEFAULT_RETRY_BUDGET.minPerSecond,
      1_000_000,
    ),
  };
  return { retries, outlier, retryBudget };
}
