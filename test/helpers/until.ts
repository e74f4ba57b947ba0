import { setTimeout as delay } from 'node:timers/promises';

/**
 * Checks a condition every few milliseconds until it holds; fails after `timeoutMs`. For state
 * that settles through events the test cannot subscribe to (another object's counters). Timed
 * on the monotonic clock: a wall clock that jumps (seen in CI) must not end or stretch a wait.
 */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(10);
  }
}
