import { isIPv6 } from 'node:net';
import type { Endpoint } from '../../ir/index.ts';

// Endpoints are frozen IR objects shared by every request of a table: each key is built once,
// since isIPv6's regular expression is a measurable share of a request's own work.
const keys = new WeakMap<Endpoint, string>();

/** The key pools are stored under: `address:port`, with IPv6 addresses in brackets. */
export function endpointKey(endpoint: Endpoint): string {
  let key = keys.get(endpoint);
  if (key === undefined) {
    key = isIPv6(endpoint.address)
      ? `[${endpoint.address}]:${endpoint.port}`
      : `${endpoint.address}:${endpoint.port}`;
    keys.set(endpoint, key);
  }
  return key;
}

/** The origin of an endpoint, as URLs write it: `http://10.0.0.1:8080`. */
export function endpointOrigin(endpoint: Endpoint, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${endpointKey(endpoint)}`;
}
