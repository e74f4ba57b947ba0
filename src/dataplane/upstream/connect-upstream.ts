import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { ProxyError } from '../errors.ts';
import { timeConnect } from './connect-channel.ts';

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

/** Where and how one upstream connection is opened. */
export interface UpstreamConnectOptions {
  /** The endpoint's address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** The endpoint as trackers and messages name it: `address:port`, IPv6 in brackets. */
  readonly endpoint: string;
  /** TLS options (server name, verification); absent: plain TCP. */
  readonly tls?: ConnectionOptions | undefined;
  /** Time allowed until the connection is usable, TLS included; 0: no limit. */
  readonly timeoutMs: number;
}

/** Told once how a connect ended: a usable socket, or why there is none. */
export type ConnectCallback = (error: Error | null, socket: Socket | null) => void;

// As undici's connector: TCP keep-alive probes find upstreams that vanished without a FIN.
const TCP_KEEPALIVE_DELAY_MS = 60_000;

/**
 * Opens one connection to an upstream endpoint, TLS included, and reports it once through
 * `callback`. The connect is timed (the upstream-connect metrics, connect-channel.ts) and, when
 * a `tracker` is given, registered with it: the tracker can cancel it while it waits, so that
 * when the endpoint is ejected the request waiting on a connect that may never complete (a
 * black-holed address) fails at once with {@link CONNECT_CANCELLED} and is retried elsewhere,
 * instead of waiting out the connect timeout. Destroying the socket returned fails the connect
 * as well. Throws for options Node refuses outright (a port out of range), with nothing left
 * pending.
 */
export function connectUpstream(
  options: UpstreamConnectOptions,
  tracker: ConnectTracker | undefined,
  callback: ConnectCallback,
): Socket {
  const { hostname, port, endpoint, tls, timeoutMs } = options;
  const socket: Socket =
    tls === undefined
      ? connectTcp({ host: hostname, port, noDelay: true })
      : connectTls({ ...tls, host: hostname, port, ALPNProtocols: ['http/1.1'] });
  const reported = timeConnect(hostname, port);
  let pending: ConnectCallback | null = callback;
  let timer: NodeJS.Timeout | undefined;
  const tracked = tracker?.trackConnect(endpoint, () => {
    settle(
      Object.assign(new Error(`connect to ${endpoint} cancelled: it was ejected`), {
        code: CONNECT_CANCELLED,
      }),
    );
  });
  function settle(error: Error | null): void {
    clearTimeout(timer);
    const done = pending;
    if (done === null) return;
    pending = null;
    tracked?.done();
    reported(error === null);
    if (error !== null) socket.destroy();
    done(error, error === null ? socket : null);
  }
  socket.setKeepAlive(true, TCP_KEEPALIVE_DELAY_MS);
  if (tls !== undefined) socket.setNoDelay(true);
  socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
    settle(null);
  });
  // Stays on: a socket that fails after the connect reports to its user's listener as well.
  socket.on('error', settle);
  socket.once('close', () => {
    settle(new Error(`connect to ${endpoint} abandoned: the socket was closed`));
  });
  const timedOut = (): void => {
    settle(
      new ProxyError(
        'PM_ERR_UPSTREAM_CONNECT_TIMEOUT',
        `connect to ${endpoint} timed out after ${String(timeoutMs)} ms`,
      ),
    );
  };
  const slowMs = tracker?.slowConnectMs ?? 0;
  if (tracked !== undefined && slowMs > 0 && (timeoutMs === 0 || slowMs < timeoutMs)) {
    timer = setTimeout(() => {
      tracked.slow();
      if (timeoutMs > 0) timer = setTimeout(timedOut, timeoutMs - slowMs).unref();
    }, slowMs).unref();
  } else if (timeoutMs > 0) {
    timer = setTimeout(timedOut, timeoutMs).unref();
  }
  return socket;
}
