import type { Clock, TimerHandle } from '../store/index.ts';

/** The longest delay one timer takes: Node's setTimeout turns anything longer into 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * One callback at a time of the wall clock (`now`, ms since the epoch), on the timers of an
 * injectable {@link Clock}. A deadline further off than {@link MAX_TIMER_DELAY_MS} (about 24.8
 * days) is reached in steps: each step re-arms from the wall clock, so a clock that was set
 * back or forth in between is followed too.
 */
export class DeadlineTimer {
  readonly #clock: Clock;
  readonly #now: () => number;
  #handle: TimerHandle | null = null;

  constructor(clock: Clock, now: () => number) {
    this.#clock = clock;
    this.#now = now;
  }

  /** Calls `fn` once, as soon as `now()` is past `at`; replaces any deadline set before. */
  set(at: number, fn: () => void): void {
    this.clear();
    const arm = (): void => {
      // The first millisecond past `at`: a certificate is still valid at its notAfter itself.
      const delay = Math.min(Math.max(at - this.#now() + 1, 0), MAX_TIMER_DELAY_MS);
      this.#handle = this.#clock.setTimeout(() => {
        this.#handle = null;
        if (this.#now() > at) fn();
        else arm();
      }, delay);
    };
    arm();
  }

  /** Cancels the deadline, if one is set. */
  clear(): void {
    if (this.#handle !== null) this.#clock.clearTimeout(this.#handle);
    this.#handle = null;
  }
}
