/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** The first delay (before jitter). Default 500 ms. */
  readonly initialMs?: number;
  /** The largest delay (before jitter). Default 30 s. */
  readonly maxMs?: number;
  /** Uniform in [0, 1); default `Math.random`. Injected so tests know the delays. */
  readonly random?: () => number;
}

/** The default first retry delay: 500 ms. */
export const DEFAULT_BACKOFF_INITIAL_MS = 500;
/** The default longest retry delay: 30 s. */
export const DEFAULT_BACKOFF_MAX_MS = 30_000;

/**
 * Jittered exponential backoff: the n-th delay after a success is `initial * 2^n`, capped at
 * `max`, then scaled by a random factor in [0.5, 1) so that many watchers cut off at once (an
 * API server restart) do not come back in step.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = Math.max(0, options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS);
    this.#maxMs = Math.max(this.#initialMs, options.maxMs ?? DEFAULT_BACKOFF_MAX_MS);
    this.#random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Counts a failure and returns how long to wait before the next attempt. */
  next(): number {
    const exponent = Math.min(this.#failures, 40);
    this.#failures++;
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** exponent);
    return Math.round(base * (0.5 + this.#random() / 2));
  }

  /** Starts over after a success. */
  reset(): void {
    this.#failures = 0;
  }
}

/** `base` plus a random share of up to `spread` of it, e.g. watch timeouts of 240-300 s. */
export function jittered(base: number, spread: number, random: () => number = Math.random): number {
  return Math.round(base * (1 + spread * random()));
}
