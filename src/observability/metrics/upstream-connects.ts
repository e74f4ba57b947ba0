import { UPSTREAM_CONNECT_CHANNEL } from '../../dataplane/index.ts';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/** One finished attempt to connect to an upstream. */
export interface UpstreamConnect {
  /** The endpoint's address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  readonly seconds: number;
  readonly ok: boolean;
}

/**
 * Times connections to upstreams through the proxy's diagnostics channel, on which every
 * upstream connection it opens is reported (HTTP/1.1 pools, WebSocket upgrades, HTTP/2
 * sessions). A request cannot be told whether a connection was opened for it or reused, so
 * connect time is measured per connection, not per request. Returns the function that stops it.
 */
export function watchUpstreamConnects(onConnect: (connect: UpstreamConnect) => void): () => void {
  const timed = (message: unknown): void => {
    const connect = message as Partial<UpstreamConnect> | null;
    if (
      typeof connect?.hostname === 'string' &&
      typeof connect.port === 'number' &&
      typeof connect.seconds === 'number' &&
      typeof connect.ok === 'boolean'
    ) {
      const { hostname, port, seconds, ok } = connect;
      onConnect({ hostname, port, seconds, ok });
    }
  };
  subscribe(UPSTREAM_CONNECT_CHANNEL, timed);
  return () => {
    unsubscribe(UPSTREAM_CONNECT_CHANNEL, timed);
  };
}
