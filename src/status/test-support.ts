import type { FakeClock } from '../store/index.ts';

/** Lets every pending promise chain run (the fake client never does real I/O). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Moves a fake clock forward by `ms` in steps of `step`, letting the async work each timer
 * starts finish (and set its next timer) before time moves on.
 */
export async function elapse(clock: FakeClock, ms: number, step = 100): Promise<void> {
  await settle();
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await settle();
  }
}

/** Leader election settings for tests that start the status room with one replica. */
export const TEST_ELECTION = {
  id: 'pointsman-leader',
  namespace: 'ingress',
  identity: 'pod-a',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;
