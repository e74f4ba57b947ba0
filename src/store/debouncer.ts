import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** Options of {@link Debouncer}. */
export interface DebounceOptions {
  /** Quiet time after the last trigger before the action runs. Default 20 ms. */
  readonly holdOffMs?: number;
  /** The action runs at most this long after the first pending trigger. Default 250 ms. */
  readonly maxWaitMs?: number;
  /** Default {@link systemClock}. */
  readonly clock?: Clock;
}

/**
 * The default hold-off of {@link Debouncer}: 20 ms. Short enough that a lone change goes live
 * at once to a person watching, long enough to gather the events one `kubectl apply` of several
 * objects sends within a few milliseconds into one rebuild.
 */
export const DEFAULT_HOLD_OFF_MS = 20;
/**
 * The default maximum wait of {@link Debouncer}: 250 ms. A stream of changes (a deploy that
 * touches hundreds of objects) still goes live in steps of at most this long.
 */
export const DEFAULT_MAX_WAIT_MS = 250;

/** What the action of a {@link Debouncer} is told about the triggers it answers. */
export interface DebouncedRun {
  /** Clock time of the first trigger answered by this run. */
  readonly firstAt: number;
  /** Triggers answered by this run (at least 1). */
  readonly triggers: number;
}

/**
 * Runs an action once a burst of triggers has settled: `holdOffMs` after the last trigger, but
 * never later than `maxWaitMs` after the first trigger that is still pending, so a steady
 * stream of changes cannot postpone the action forever.
 */
export class Debouncer {
  readonly #action: (run: DebouncedRun) => void;
  readonly #holdOffMs: number;
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  #firstAt: number | null = null;
  #lastAt = 0;
  #triggers = 0;
  #timer: TimerHandle | null = null;

  constructor(action: (run: DebouncedRun) => void, options: DebounceOptions = {}) {
    this.#action = action;
    this.#holdOffMs = Math.max(0, options.holdOffMs ?? DEFAULT_HOLD_OFF_MS);
    this.#maxWaitMs = Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
    this.#clock = options.clock ?? systemClock;
  }

  /** Whether a trigger is waiting for the action to run. */
  get pending(): boolean {
    return this.#firstAt !== null;
  }

  /** Clock time of the first trigger waiting for the action; null when none waits. */
  get pendingSince(): number | null {
    return this.#firstAt;
  }

  /** Notes a change; the action runs once the changes settle. */
  trigger(): void {
    const now = this.#clock.now();
    this.#firstAt ??= now;
    this.#lastAt = now;
    this.#triggers++;
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
    this.#triggers = 0;
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
    const run: DebouncedRun = {
      firstAt: this.#firstAt ?? this.#clock.now(),
      triggers: this.#triggers,
    };
    // Reset before the action: a trigger made by the action itself starts a new burst.
    this.#firstAt = null;
    this.#triggers = 0;
    this.#disarm();
    this.#action(run);
  }
}
