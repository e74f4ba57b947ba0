import type { Backend, BackendProblem } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import type { RequestRecord } from './request-record.ts';

// Problems that mean the backend itself could not be resolved, as opposed to a resolved
// Service that has no ready endpoint at the moment.
const UNRESOLVED: ReadonlySet<BackendProblem['code']> = new Set([
  'ServiceNotFound',
  'ServicePortNotFound',
  'UnsupportedBackend',
  'UnsupportedServiceType',
  'InvalidService',
]);

/**
 * The backend that serves a request, or the error code to answer with: no table yet, no
 * matching route, an unresolved backend, or a backend with no ready endpoint. A backend
 * returned here has at least one endpoint. The host, match and backend are noted in `record`.
 */
export function routeRequest(
  table: CompiledTable | null,
  host: string,
  path: string,
  record: RequestRecord,
): Backend | ProxyErrorCode {
  record.host = host;
  if (table === null) return 'PM_ERR_NOT_READY';
  const match = table.match(host, path);
  record.noteMatch(table.table, match);
  const id = match.backend;
  if (id === null) return 'PM_ERR_NO_ROUTE';
  const backend = table.backend(id);
  if (backend === undefined) return 'PM_ERR_BACKEND_UNRESOLVED';
  record.backend = backend;
  if (backend.problem !== null && UNRESOLVED.has(backend.problem.code)) {
    return 'PM_ERR_BACKEND_UNRESOLVED';
  }
  if (backend.problem !== null || backend.endpoints.length === 0) return 'PM_ERR_NO_ENDPOINTS';
  return backend;
}
