import { createHash } from 'node:crypto';
import type { RouteTable } from './route-table.ts';

/**
 * Content of a route table, without its version. The TLS fields may be left out (tables built
 * by hand in tests and benchmarks): no TLS hosts, no configured default certificate and no
 * passthrough hosts.
 */
export type RouteTableContent = Omit<RouteTable, 'version' | 'tls' | 'defaultCertificate'> &
  Partial<Pick<RouteTable, 'tls' | 'defaultCertificate'>>;

/**
 * Seals a route table: computes its content hash (the version) and freezes it deeply. The
 * content must already be in canonical order; the hash is over its JSON text, so equal content
 * gives an equal version.
 */
export function sealRouteTable(content: RouteTableContent): RouteTable {
  const full: Omit<RouteTable, 'version'> = {
    hosts: content.hosts,
    defaultBackend: content.defaultBackend,
    backends: content.backends,
    tls: content.tls ?? [],
    defaultCertificate: content.defaultCertificate ?? null,
    // Left out when empty: one canonical form, and the versions tables had before it existed.
    ...(content.passthrough === undefined || content.passthrough.length === 0
      ? {}
      : { passthrough: content.passthrough }),
  };
  const version = createHash('sha256').update(JSON.stringify(full)).digest('hex').slice(0, 16);
  return deepFreeze({ version, ...full });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) deepFreeze(item);
    } else {
      for (const child of Object.values(value)) deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}
