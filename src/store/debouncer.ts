import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** Options of {@link Debouncer}. */
export interface DebounceOptions {
  /** Quiet time after the last trigger before the action runs. Default 100 ms. */
  readonly holdOffMs?: number;
  /** The action runs at most this long after the first pending trigger. Default 500 ms. */
  readonly maxWaitMs?: number;
  /** Default {@link systemClock}. */
  readonly clock?: Clock;
}

/** The default hold-off of {@link Debouncer}: 100 ms. */
export const DEFAULT_HOLD_OFF_MS = 100;
/** The default maximum wait of {@link Debouncer}: 500 ms. */
export const DEFAULT_MAX_WAIT_MS = 500;

/**
 * Runs an action once a burst of triggers has settled: `holdOffMs` after the last trigger, but
 * never later than `maxWaitMs` after the first trigger that is still pending, so a steady
 * stream of changes cannot postpone the action forever.
 */
export class Debouncer {
  readonly #action: () => void;
  readonly #holdOffMs: number;
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  #firstAt: number | null = null;
  #lastAt = 0;
  #timer: TimerHandle | null = null;

  constructor(action: () => void, options: DebounceOptions = {}) {
    this.#action = action;
    this.#holdOffMs = Math.max(0, options.holdOffMs ?? DEFAULT_HOLD_OFF_MS);
    this.#maxWaitMs = Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
    this.#clock = options.clock ?? systemClock;
  }

  /** Whether a trigger is waiting for the action to run. */
  get pending(): boolean {
    return this.#firstAt !== null;
  }

  /** Notes a change; the action runs once the changes settle. */
  trigger(): void {
    const now = this.#clock.now();
    this.#firstAt ??= now;
    this.#lastAt = now;
    // One timer at a time: a burst of triggers only moves the due time, which the timer picks
    // up when it fires, instead of clearing and setting a timer per trigger.
    if (this.#timer === null) this.#arm(this.#due());
  }

  /** Runs the action now if a trigger is pending. */
  flush(): void {
    if (this.#firstAt !== null) this.#run();
  }

  /** Drops any pending trigger without running the action. */
  cancel(): void {
    this.#firstAt = null;
    this.#disarm();
  }

  #due(): number {
    const first = this.#firstAt ?? this.#lastAt;
    return Math.min(this.#lastAt + this.#holdOffMs, first + this.#maxWaitMs);
  }

  #arm(due: number): void {
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#onTimer();
      },
      Math.max(0, due - this.#clock.now()),
    );
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #onTimer(): void {
    this.#timer = null;
    if (this.#firstAt === null) return;
    const due = this.#due();
    if (due > this.#clock.now()) this.#arm(due);
    else this.#run();
  }

  #run(): void {
    this.#firstAt = null;
    this.#disarm();
    this.#action();
  }
}
