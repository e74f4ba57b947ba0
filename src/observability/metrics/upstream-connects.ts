import { UPSTREAM_CONNECT_CHANNEL } from '../../dataplane/index.ts';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/** One finished attempt to connect to an upstream. */
export interface UpstreamConnect {
  /** The address as undici connected to it (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  readonly seconds: number;
  readonly ok: boolean;
}

interface ConnectMessage {
  readonly connectParams?: { readonly hostname?: unknown; readonly port?: unknown };
  readonly connector?: unknown;
}

const CHANNELS = {
  before: 'undici:client:beforeConnect',
  connected: 'undici:client:connected',
  failed: 'undici:client:connectError',
  // Upgrades and HTTP/2 upstreams, whose connections undici does not open.
  proxy: UPSTREAM_CONNECT_CHANNEL,
} as const;

/**
 * Times connections to upstreams, through diagnostics channels: undici's for the connections
 * it opens, the proxy's own for WebSocket upgrades and HTTP/2 upstreams, which it opens
 * without undici. A request cannot be told whether undici opened a connection for it or reused
 * one, so connect time is measured per connection, not per request. An undici client connects
 * once at a time and each has its own connector, which pairs the start and end messages. The
 * channels are process-wide (Node's own fetch publishes on undici's too), so `onConnect`
 * filters. Returns the function that stops it.
 */
export function watchUpstreamConnects(onConnect: (connect: UpstreamConnect) => void): () => void {
  const started = new WeakMap<object, number>();
  const before = (message: unknown): void => {
    const connector = (message as ConnectMessage).connector;
    if (typeof connector === 'function') started.set(connector, performance.now());
  };
  const end = (ok: boolean) => (message: unknown) => {
    const { connector, connectParams } = message as ConnectMessage;
    if (typeof connector !== 'function') return;
    const start = started.get(connector);
    started.delete(connector);
    const hostname = connectParams?.hostname;
    const port = Number(connectParams?.port);
    if (start === undefined || typeof hostname !== 'string' || !Number.isInteger(port)) return;
    onConnect({ hostname, port, seconds: (performance.now() - start) / 1000, ok });
  };
  const connected = end(true);
  const failed = end(false);
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
  subscribe(CHANNELS.before, before);
  subscribe(CHANNELS.connected, connected);
  subscribe(CHANNELS.failed, failed);
  subscribe(CHANNELS.proxy, timed);
  return () => {
    unsubscribe(CHANNELS.before, before);
    unsubscribe(CHANNELS.connected, connected);
    unsubscribe(CHANNELS.failed, failed);
    unsubscribe(CHANNELS.proxy, timed);
  };
}
