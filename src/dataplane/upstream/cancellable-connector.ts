import type { buildConnector as BuildConnector } from 'undici';
import { buildConnector, errors } from './undici-parts.ts';

/** The code of the error a cancelled connect fails with: nothing was sent, so any retry is safe. */
export const CONNECT_CANCELLED = 'PM_CONNECT_CANCELLED';

/** One connect in progress, as its tracker sees it. */
export interface TrackedConnect {
  /** The connect has been pending for the tracker's `slowConnectMs`. */
  slow(): void;
  /** The connect ended, either way (called once). */
  done(): void;
}

/** Where connects in progress are registered, so that they can be cancelled (EndpointHealth). */
export interface ConnectTracker {
  /** A connect pending this long is reported `slow()`; 0: never. */
  readonly slowConnectMs: number;
  /** Registers a connect to `endpoint` (`address:port`); `cancel` fails it while it waits. */
  trackConnect(endpoint: string, cancel: () => void): TrackedConnect;
}

/**
 * undici's own connector (same options, so TLS is unchanged) whose connects to `endpoint` are
 * registered with `tracker`, which can cancel them while they wait: when the endpoint is
 * ejected, the requests queued on a connect that may never complete (a black-holed address) fail
 * at once with {@link CONNECT_CANCELLED} and are retried elsewhere, instead of each waiting out
 * the connect timeout. undici fails every request queued on a client whose connect failed, and
 * only those. The connect timeout is kept here with a plain timer: undici's own fires on a
 * coarse 500 ms tick, so a 1 s timeout could take 1.5 s.
 */
export function cancellableConnector(
  endpoint: string,
  options: BuildConnector.BuildOptions,
  tracker: ConnectTracker,
): BuildConnector.connector {
  const timeoutMs = options.timeout ?? 10_000;
  // buildConnector's connector returns the socket, though its typings say void.
  const connect = buildConnector({ ...options, timeout: 0 }) as (
    ...args: Parameters<BuildConnector.connector>
  ) => { destroy(): void } | undefined;
  return (connectOptions, callback) => {
    let pending: BuildConnector.Callback | null = callback;
    let timer: NodeJS.Timeout | undefined;
    const settle = (...args: Parameters<BuildConnector.Callback>): void => {
      clearTimeout(timer);
      const done = pending;
      pending = null;
      if (done === null) {
        // Failed first (cancelled, timed out): a socket that connected after all is not wanted.
        args[1]?.destroy();
        return;
      }
      tracked.done();
      done(...args);
    };
    const fail = (error: Error): void => {
      // Settled already: the socket, if any, is undici's now.
      if (pending === null) return;
      // Only ever called from a timer or an ejection, after `socket` below is set.
      socket?.destroy();
      settle(error, null);
    };
    const tracked = tracker.trackConnect(endpoint, () => {
      fail(
        Object.assign(new Error(`connect to ${endpoint} cancelled: it was ejected`), {
          code: CONNECT_CANCELLED,
        }),
      );
    });
    const timedOut = (): void => {
      fail(
        new errors.ConnectTimeoutError(
          `connect to ${endpoint} timed out after ${String(timeoutMs)} ms`,
        ),
      );
    };
    const slowMs = tracker.slowConnectMs;
    if (slowMs > 0 && (timeoutMs === 0 || slowMs < timeoutMs)) {
      timer = setTimeout(() => {
        tracked.slow();
        if (timeoutMs > 0) timer = setTimeout(timedOut, timeoutMs - slowMs).unref();
      }, slowMs).unref();
    } else if (timeoutMs > 0) {
      timer = setTimeout(timedOut, timeoutMs).unref();
    }
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect(connectOptions, settle);
    } catch (error) {
      // undici's connector throws for options it rejects (a port out of range): nothing is
      // pending, so nothing may be reported slow, time out or call back later.
      clearTimeout(timer);
      pending = null;
      tracked.done();
      throw error;
    }
  };
}
