import type { PathRoute } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';

/**
 * Whether a request routed to `route` has any gate to pass: its route has policies, or some
 * host of the table asks for client certificates. Most requests have none and skip the gates
 * without allocating anything.
 */
export function needsGates(route: PathRoute | null, table: CompiledTable): boolean {
  if (route === null && table.table.defaultBackend?.policies !== undefined) return true;
  return route?.policies !== undefined || table.clientCertificates;
}
