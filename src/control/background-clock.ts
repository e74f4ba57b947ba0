import { systemClock, type Clock } from '../store/index.ts';

/**
 * The system clock, with timers that do not keep the process alive on their own: the loop's
 * certificate timers may lie weeks ahead, and only the listeners should hold a process open.
 */
export const backgroundClock: Clock = {
  now: () => systemClock.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => {
    systemClock.clearTimeout(handle);
  },
};
