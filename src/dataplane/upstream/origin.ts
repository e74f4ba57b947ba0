import { isIPv6 } from 'node:net';
import type { Endpoint } from '../../ir/index.ts';

/** The key pools are stored under: `address:port`, with IPv6 addresses in brackets. */
export function endpointKey(endpoint: Endpoint): string {
  return isIPv6(endpoint.address)
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

/** The origin of an endpoint, as undici takes it: `http://10.0.0.1:8080`. */
export function endpointOrigin(endpoint: Endpoint, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${endpointKey(endpoint)}`;
}
