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
} as const;

/**
 * Times connections undici opens, through its diagnostics channels: a request cannot be told
 * whether undici opened a connection for it or reused one, so connect time is measured per
 * connection, not per request. A client connects once at a time and each has its own
 * connector, which pairs the start and end messages. The channels are process-wide (Node's own
 * fetch publishes on them too), so `onConnect` filters. Returns the function that stops it.
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
  subscribe(CHANNELS.before, before);
  subscribe(CHANNELS.connected, connected);
  subscribe(CHANNELS.failed, failed);
  return () => {
    unsubscribe(CHANNELS.before, before);
    unsubscribe(CHANNELS.connected, connected);
    unsubscribe(CHANNELS.failed, failed);
  };
}
