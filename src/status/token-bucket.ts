import type { Clock, TimerHandle } from '../store/index.ts';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Most tokens held (the bucket starts full). */
  readonly burst: number;
  readonly clock: Clock;
}

/**
 * A token bucket: {@link TokenBucket.take} resolves at once while tokens are left, and
 * otherwise when the next one has dripped in, first come first served. It keeps the API
 * writes of a leader with thousands of Ingresses to a steady rate the API server can take.
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;
  readonly #waiters: (() => void)[] = [];
  #timer: TimerHandle | null = null;

  constructor(options: TokenBucketOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError('a token bucket needs perSecond > 0 and burst >= 1');
    }
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#refilledAt = options.clock.now();
  }

  /** Tokens available now (whole and partial). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Resolves once a token is taken. */
  take(): Promise<void> {
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#schedule();
    });
  }

  /** Lets every waiter through at once (on shutdown, where they then see they must stop). */
  releaseAll(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#perMs);
    this.#refilledAt = now;
  }

  #schedule(): void {
    if (this.#timer !== null || this.#waiters.length === 0) return;
    const wait = Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#refill();
      while (this.#waiters.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#waiters.shift()?.();
      }
      this.#schedule();
    }, wait);
  }
}
