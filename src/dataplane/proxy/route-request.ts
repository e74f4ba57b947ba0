import {
  parametersChangeRoute,
  selfAnswerOf,
  upstreamPath,
  type Backend,
  type BackendProblem,
  type FixedAnswer,
  type HeaderOperation,
  type PathRoute,
  type RequestTarget,
  type RouteRedirect,
} from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import { errorBackendOf } from './error-pages.ts';
import type { RequestRecord } from './request-record.ts';

// Problems that mean the backend itself could not be resolved, as opposed to a resolved
// Service that has no ready endpoint at the moment.
const UNRESOLVED: ReadonlySet<BackendProblem['code']> = new Set([
  'ServiceNotFound',
  'ServicePortNotFound',
  'UnsupportedBackend',
  'UnsupportedServiceType',
  'InvalidService',
  'InvalidProxySslSecret',
]);

/**
 * What routing decided for a request: answer a redirect or a fixed answer (the route's backend
 * is never contacted), with the response header operations that apply to it, or proxy to a
 * backend, with the route whose policies apply (null for the default backend).
 */
export type Routed =
  | {
      readonly kind: 'redirect';
      readonly redirect: RouteRedirect;
      readonly route?: PathRoute;
      readonly responseHeaders?: readonly HeaderOperation[];
    }
  | {
      readonly kind: 'answer';
      readonly answer: FixedAnswer;
      readonly route: PathRoute;
      readonly responseHeaders?: readonly HeaderOperation[];
    }
  | {
      readonly kind: 'proxy';
      readonly backend: Backend;
      readonly route: PathRoute | null;
      /** The path and query to send upstream: the target's, or a regex route's rewrite. */
      readonly path: string;
      /**
       * Present when `backend` is the route's default-backend standing in: the route's own
       * backend, which has no ready endpoint (error-pages.ts).
       */
      readonly standsInFor?: Backend;
    };

/**
 * Where a request goes, or the error code to answer with: no table yet, no matching route, a
 * path whose `;parameters` change its route, a route that fails closed, a rewritten path the
 * target parser refuses, a route that redirects (before its backend is looked at: a redirect
 * never proxies), an unresolved backend, or a backend with no ready endpoint. A backend
 * returned here has at least one endpoint. The host, match and backend are noted in `record`.
 */
export function routeRequest(
  table: CompiledTable | null,
  target: Pick<RequestTarget, 'host' | 'path' | 'forwardPath'>,
  record: RequestRecord,
): Routed | ProxyErrorCode {
  const { host, path } = target;
  record.host = host;
  if (table === null) return 'PM_ERR_NOT_READY';
  const match = table.match(host, path);
  record.noteMatch(table.table, match);
  if (parametersChangeRoute(table, host, path, match)) return 'PM_ERR_BAD_PATH';
  const id = match.backend;
  if (id === null) return 'PM_ERR_NO_ROUTE';
  // Fail closed: access control the Ingress asks for and pointsman cannot enforce.
  const refusal =
    match.kind === 'default' ? table.table.defaultBackend?.refusal : match.route?.refusal;
  if (refusal !== undefined) return 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED';
  const answered = match.route === null ? null : selfAnswerOf(match.route, path);
  if (answered !== null && match.route !== null) return { ...answered, route: match.route };
  // A regex route's rewrite-target changes the path the upstream receives; the rewritten path
  // goes through the target parser again, which may refuse it.
  const upstream = upstreamPath(match, target);
  if (upstream === null) return 'PM_ERR_BAD_PATH';
  const backend = table.backend(id);
  if (backend === undefined) return 'PM_ERR_BACKEND_UNRESOLVED';
  record.backend = backend;
  const ready = backend.problem === null && backend.endpoints.length > 0;
  if (!ready) {
    // --default-backend-service without a ready endpoint: ingress-nginx's built-in 404.
    if (match.kind === 'default' && table.table.defaultBackend?.global === true) {
      return 'PM_ERR_NO_ROUTE';
    }
    // default-backend: its Service stands in when the route's own has no endpoint to take it.
    const policy = match.route?.policies?.errorPages;
    const standIn = policy?.standIn === true ? errorBackendOf(table, policy) : null;
    if (standIn !== null) {
      record.backend = standIn;
      return {
        kind: 'proxy',
        backend: standIn,
        route: match.route,
        path: upstream,
        standsInFor: backend,
      };
    }
  }
  if (backend.problem !== null && UNRESOLVED.has(backend.problem.code)) {
    return 'PM_ERR_BACKEND_UNRESOLVED';
  }
  if (!ready) return 'PM_ERR_NO_ENDPOINTS';
  return { kind: 'proxy', backend, route: match.route, path: upstream };
}
