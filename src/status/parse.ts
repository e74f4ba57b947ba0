import type { IngressState, Lease, LeaseSpec, LoadBalancerAddress } from './status-client.ts';

/**
 * Reading the raw JSON the API answers (or the source caches) into the status room's shapes.
 * Objects come from an API server, but fields may still be missing or odd: nothing here throws.
 */

/** A plain JSON object, or null. */
export function recordOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** `[{ip}|{hostname}]` of a `loadBalancer.ingress` list; entries with neither are dropped. */
export function addressesOf(value: unknown): LoadBalancerAddress[] {
  if (!Array.isArray(value)) return [];
  const addresses: LoadBalancerAddress[] = [];
  for (const entry of value) {
    const record = recordOf(entry);
    const ip = stringOf(record?.['ip']);
    const hostname = stringOf(record?.['hostname']);
    if (ip !== '') addresses.push(hostname === '' ? { ip } : { ip, hostname });
    else if (hostname !== '') addresses.push({ hostname });
  }
  return addresses;
}

/** An Ingress's identity, version and published addresses; null without a name. */
export function ingressStateOf(raw: unknown): IngressState | null {
  const object = recordOf(raw);
  const metadata = recordOf(object?.['metadata']);
  const name = stringOf(metadata?.['name']);
  if (name === '') return null;
  const loadBalancer = recordOf(recordOf(object?.['status'])?.['loadBalancer']);
  return {
    namespace: stringOf(metadata?.['namespace']),
    name,
    uid: stringOf(metadata?.['uid']),
    resourceVersion: stringOf(metadata?.['resourceVersion']),
    addresses: addressesOf(loadBalancer?.['ingress']),
    ...(object === null ? {} : { object }),
  };
}

/** A Lease's identity, version and spec; null without a name. */
export function leaseOf(raw: unknown): Lease | null {
  const object = recordOf(raw);
  const metadata = recordOf(object?.['metadata']);
  const name = stringOf(metadata?.['name']);
  if (name === '') return null;
  const spec = recordOf(object?.['spec']);
  const time = (key: string): string | null => {
    const value = stringOf(spec?.[key]);
    return value === '' ? null : value;
  };
  return {
    namespace: stringOf(metadata?.['namespace']),
    name,
    resourceVersion: stringOf(metadata?.['resourceVersion']),
    spec: {
      holderIdentity: stringOf(spec?.['holderIdentity']),
      leaseDurationSeconds: numberOf(spec?.['leaseDurationSeconds']),
      acquireTime: time('acquireTime'),
      renewTime: time('renewTime'),
      leaseTransitions: numberOf(spec?.['leaseTransitions']),
    },
  };
}

/** The Lease spec as JSON, without its unset fields. */
export function leaseSpecJson(spec: LeaseSpec): Record<string, unknown> {
  const json: Record<string, unknown> = {
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    leaseTransitions: spec.leaseTransitions,
  };
  if (spec.acquireTime !== null) json['acquireTime'] = spec.acquireTime;
  if (spec.renewTime !== null) json['renewTime'] = spec.renewTime;
  return json;
}
