import { send } from '../helpers/http-client.ts';

/** One request through the controller: the status and the body (the upstream's address). */
export async function get(port: number, host: string): Promise<{ status: number; body: string }> {
  const reply = await send(port, { headers: { host }, timeoutMs: 5_000 });
  return { status: reply.status, body: reply.body };
}

/**
 * Sends requests for `host` until one answers `status` (each waits for the previous one);
 * resolves with the milliseconds it took, fails after `timeoutMs`.
 */
export async function untilStatus(
  port: number,
  host: string,
  status: number,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const reply = await get(port, host);
    if (reply.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `${host} still answers ${String(reply.status)} after ${String(timeoutMs)} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
