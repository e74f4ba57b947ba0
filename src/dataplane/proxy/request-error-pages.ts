import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import { statusOf, type ProxyErrorCode } from '../errors.ts';
import type { ProxyContext } from './context.ts';
import { ErrorPages, errorBackendOf, type ErrorPageRequest } from './error-pages.ts';
import { logProxyError } from './log-error.ts';
import type { RequestRecord } from './request-record.ts';

/** What the handler knows of a request when it looks for its error pages. */
export interface ErrorPageFacts {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly accept: string | undefined;
  readonly hostHeader: string | undefined;
  readonly requestId: string;
  readonly client: string;
  readonly record: RequestRecord;
}

/**
 * The error pages of a routed request (its route's, or the default route's), or null when it
 * has none or its error backend has no ready endpoint: then nothing is allocated.
 */
export function errorPagesFor(
  context: ProxyContext,
  table: CompiledTable | null,
  record: RequestRecord,
  factsOf: () => ErrorPageFacts,
): ErrorPages | null {
  const match = record.match;
  if (table === null || match === null) return null;
  const fallback = match.kind === 'default' ? table.table.defaultBackend : null;
  const policy = match.route?.policies?.errorPages ?? fallback?.errorPages;
  if (policy === undefined) return null;
  const backend = errorBackendOf(table, policy);
  if (backend === null) return null;
  const own: Backend | undefined =
    match.backend === null ? undefined : table.backend(match.backend);
  const global = fallback?.global === true;
  return new ErrorPages(context, policy, backend, pageRequestOf(factsOf(), own, global));
}

/** The nginx variables the error backend is told, for a request and its route's backend. */
export function pageRequestOf(
  facts: ErrorPageFacts,
  own: Backend | undefined,
  global = false,
): ErrorPageRequest {
  const record = facts.record;
  return {
    method: facts.method,
    accept: facts.accept,
    requestUri: facts.req.url ?? '/',
    namespace: global ? '' : record.ingressNamespace,
    ingressName: global ? '' : record.ingressName,
    serviceName: own?.service ?? '',
    servicePort: own === undefined ? '' : String(own.port),
    requestId: facts.requestId,
    hostHeader: facts.hostHeader,
    client: facts.client,
  };
}

/**
 * Answers one of the proxy's own errors with an error page when the request's error pages list
 * its status; false (nothing done) otherwise. The error is logged and recorded either way.
 */
export function serveOwnErrorPage(
  context: ProxyContext,
  res: ServerResponse,
  code: ProxyErrorCode,
  facts: ErrorPageFacts,
): boolean {
  const pages = errorPagesFor(context, context.tables.current, facts.record, () => facts);
  if (pages === null || !pages.handles(code)) return false;
  facts.record.error = code;
  logProxyError(context.logger, code, {
    method: facts.method,
    host: facts.hostHeader,
    path: facts.req.url,
    requestId: facts.requestId,
    client: facts.client,
  });
  // The body is not read: over HTTP/1 the connection closes after the page (HTTP/2 streams end
  // alone, and have no Connection header).
  const unread = !facts.req.complete && facts.req.httpVersionMajor < 2;
  pages.serve(res, statusOf(code), code, context.closing || unread);
  return true;
}
