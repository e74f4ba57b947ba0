import { channel } from 'node:diagnostics_channel';

/**
 * The diagnostics channel on which the proxy reports every upstream connection it opens: HTTP/1.1
 * pools (connect-upstream.ts), WebSocket upgrades (node:http) and HTTP/2 upstreams
 * (node:http2). The metrics listen to it, so every new connection to an endpoint is timed once,
 * whoever opened it.
 */
export const UPSTREAM_CONNECT_CHANNEL = 'pointsman:upstream:connect';

/** What {@link UPSTREAM_CONNECT_CHANNEL} carries, once per connection attempt. */
export interface UpstreamConnectMessage {
  /** The endpoint's address (IPv6 without brackets), as the route table has it. */
  readonly hostname: string;
  readonly port: number;
  /** From the start of the attempt to the connection being usable (TLS included), or failing. */
  readonly seconds: number;
  readonly ok: boolean;
}

const connects = channel(UPSTREAM_CONNECT_CHANNEL);

/**
 * Starts timing one connection attempt to `hostname:port`. The function returned reports how it
 * ended; only its first call counts, so a caller may call it from every way the attempt can end.
 */
export function timeConnect(hostname: string, port: number): (ok: boolean) => void {
  const start = performance.now();
  let reported = false;
  return (ok) => {
    if (reported) return;
    reported = true;
    if (!connects.hasSubscribers) return;
    const message: UpstreamConnectMessage = {
      hostname,
      port,
      seconds: (performance.now() - start) / 1000,
      ok,
    };
    connects.publish(message);
  };
}

/** The endpoint of an origin such as `http://10.0.0.1:8080` or `https://[fd00::1]:443`. */
export function originEndpoint(origin: string): { hostname: string; port: number } {
  const url = new URL(origin);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // URL drops a port that is the scheme's default.
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { hostname, port };
}
