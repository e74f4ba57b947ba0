/** An opaque timer handle, as returned by {@link Clock.setTimeout}. */
export type TimerHandle = object;

/**
 * The time source and timers of the control plane: injected, so that tests drive time with a
 * {@link FakeClock} and never sleep.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences matter. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  // Handles passed here are only ever ones this clock made.
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
