import { isIP } from 'node:net';
import { addressesOf, recordOf } from './parse.ts';
import type { LoadBalancerAddress } from './status-client.ts';

/** Where the address published on our Ingresses comes from. */
export type AddressSource =
  /** `--publish-service`: that Service's load-balancer address, external IPs or cluster IP. */
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string }
  /** `--publish-status-address`: these addresses, as given. */
  | { readonly kind: 'static'; readonly addresses: readonly LoadBalancerAddress[] }
  /** Neither flag: no address is published (Events are still recorded). */
  | { readonly kind: 'none' };

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * Parses `--publish-status-address a,b`: IP addresses and DNS names. Returns the addresses in
 * canonical order, or the first entry that is neither.
 */
export function parseStatusAddresses(
  value: string,
): { readonly addresses: LoadBalancerAddress[] } | { readonly bad: string } {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const addresses: LoadBalancerAddress[] = [];
  for (const entry of entries) {
    if (isIP(entry) !== 0) addresses.push({ ip: entry });
    else if (DNS_NAME.test(entry.toLowerCase())) addresses.push({ hostname: entry.toLowerCase() });
    else return { bad: entry };
  }
  return { addresses: canonicalAddresses(addresses) };
}

/**
 * The addresses a Service offers, in the order ingress-nginx looks: its load balancer's
 * `status.loadBalancer.ingress`, else `spec.externalIPs`, else an ExternalName's name, else its
 * cluster IP (none for a headless Service).
 */
export function addressesOfService(raw: unknown): LoadBalancerAddress[] {
  const object = recordOf(raw);
  const spec = recordOf(object?.['spec']);
  const balancer = addressesOf(
    recordOf(recordOf(object?.['status'])?.['loadBalancer'])?.['ingress'],
  );
  if (balancer.length > 0) return canonicalAddresses(balancer);
  const external = spec?.['externalIPs'];
  if (Array.isArray(external)) {
    const ips = external.filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    if (ips.length > 0) return canonicalAddresses(ips.map((ip) => ({ ip })));
  }
  const externalName = spec?.['externalName'];
  if (
    spec?.['type'] === 'ExternalName' &&
    typeof externalName === 'string' &&
    externalName !== ''
  ) {
    return [{ hostname: externalName }];
  }
  const clusterIP = spec?.['clusterIP'];
  if (typeof clusterIP === 'string' && clusterIP !== '' && clusterIP !== 'None') {
    return [{ ip: clusterIP }];
  }
  return [];
}

function keyOf(address: LoadBalancerAddress): string {
  return `${address.ip ?? ''}|${address.hostname ?? ''}`;
}

/** Sorted (by IP, then host name) and without duplicates: the order pointsman writes. */
export function canonicalAddresses(
  addresses: readonly LoadBalancerAddress[],
): LoadBalancerAddress[] {
  const unique = new Map<string, LoadBalancerAddress>();
  for (const address of addresses) {
    const copy: LoadBalancerAddress = {
      ...(address.ip === undefined ? {} : { ip: address.ip }),
      ...(address.hostname === undefined ? {} : { hostname: address.hostname }),
    };
    unique.set(keyOf(copy), copy);
  }
  return [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, address]) => address);
}

/** Whether two address lists name the same addresses, whatever their order. */
export function sameAddresses(
  a: readonly LoadBalancerAddress[],
  b: readonly LoadBalancerAddress[],
): boolean {
  const left = canonicalAddresses(a).map(keyOf);
  const right = canonicalAddresses(b).map(keyOf);
  return left.length === right.length && left.every((key, index) => key === right[index]);
}
