import { setTimeout as delay } from 'node:timers/promises';

/**
 * Checks a condition every few milliseconds until it holds; fails after `timeoutMs`. For state
 * that settles through events the test cannot subscribe to (another object's counters).
 */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(10);
  }
}
