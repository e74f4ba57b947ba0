import { createHash } from 'node:crypto';
import type { RouteTable } from './route-table.ts';

/** Content of a route table, without its version. */
export type RouteTableContent = Omit<RouteTable, 'version'>;

/**
 * Seals a route table: computes its content hash (the version) and freezes it deeply. The
 * content must already be in canonical order; the hash is over its JSON text, so equal content
 * gives an equal version.
 */
export function sealRouteTable(content: RouteTableContent): RouteTable {
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return deepFreeze({ version, ...content });
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
