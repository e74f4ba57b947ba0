import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import type { GatesOutcome, Grant } from '../policy/index.ts';
import { usesHttp2 } from '../upstream/index.ts';
import { decideClient, type ClientOrigin } from './client-address.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { sendError } from './error-response.ts';
import { forwardHeaders } from './forward-headers.ts';
import {
  answerVerdict,
  passGates,
  withGrantedRequestHeaders,
  withGrantedResponseHeaders,
} from './gate-request.ts';
import { isGrpcOverHttp1 } from './grpc-over-http1.ts';
import { standInHeaders, withHeadersSet } from './error-pages.ts';
import { logProxyError } from './log-error.ts';
import { pickEndpoint } from './pick-endpoint.ts';
import { backendFor } from './backend-choice.ts';
import { balancingRouteFor } from './canary-choice.ts';
import { policyHeaders } from './policy-headers.ts';
import { ProxiedRequest } from './proxied-request.ts';
import { ALLOWED_METHODS, isRefusedMethod } from './refused-methods.ts';
import { checkRequestFraming } from './request-framing.ts';
import { RequestHead } from './request-head.ts';
import {
  errorPagesFor,
  pageRequestOf,
  serveOwnErrorPage,
  type ErrorPageFacts,
} from './request-error-pages.ts';
import { requestIdFor } from './request-id.ts';
import { recordResponse, type RequestRecord } from './request-record.ts';
import { requestTargetOf } from './request-target.ts';
import { requestFacts, type RequestFacts } from '../variables/index.ts';
import { declaredTooLarge, routeLimits, type RouteLimits } from './route-limits.ts';
import { responseEditOf } from './response-policy.ts';
import { routeRequest, type Routed } from './route-request.ts';
import { answerItself } from './self-answer.ts';
import { redirectToHttps } from './ssl-redirect.ts';
import { stickyChoiceOf, withSessionCookie } from './sticky-session.ts';

// Answers after which the rest of what the client sent cannot be trusted to be framed right.
const CLOSING_CODES: ReadonlySet<ProxyErrorCode> = new Set([
  'PM_ERR_BAD_REQUEST',
  'PM_ERR_UNSUPPORTED_TRANSFER_CODING',
  // The body is not read: closing spares reading it all to reach the next request.
  'PM_ERR_BODY_TOO_LARGE',
]);

/** The server's 'request' listener: nothing it does may throw out of it. */
export function createRequestHandler(
  context: ProxyContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      handleRequest(context, req, res);
    } catch (error) {
      logProxyError(context.logger, 'PM_ERR_INTERNAL', { method: req.method, error });
      try {
        sendError(res, 'PM_ERR_INTERNAL', requestIdFor(undefined), undefined, true);
      } catch {
        res.destroy();
      }
    }
  };
}

/**
 * Routes one request with the table that is live when it arrives (read once and kept for the
 * whole request, retries included) and forwards it, or answers with a coded error.
 */
function handleRequest(context: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  context.tracker.requestStarted(res);
  req.on('error', ignoreError);
  res.on('error', ignoreError);
  const head = new RequestHead(req.rawHeaders);
  const requestId = requestIdFor(head.requestId);
  const method = req.method ?? 'GET';
  // The one decision of who this is, for every rule, header, variable and log line below.
  const origin = decideClient(req.socket, req.rawHeaders, context.clients);
  const client = origin.address;
  const record = recordResponse(context, req, res, requestId, client);
  const refuse = (code: ProxyErrorCode, host?: string): void => {
    record.error = code;
    logProxyError(context.logger, code, { method, host, path: req.url, requestId, client });
    sendError(res, code, requestId, head.accept, CLOSING_CODES.has(code) || context.closing);
  };
  const target = requestTargetOf(req.url ?? '', head, req.httpVersion);
  if (typeof target === 'string') {
    refuse(target);
    return;
  }
  const framing = checkRequestFraming(head, req.httpVersion);
  if (framing !== 'ok') {
    refuse(framing);
    return;
  }
  if (isRefusedMethod(method)) {
    refuse('PM_ERR_METHOD_NOT_ALLOWED');
    return;
  }
  if (target.forwardPath === '*') {
    answerAsteriskOptions(res, method, context.closing);
    return;
  }
  if (redirectToHttps(context, target, res)) return;
  const routed = routeRequest(context.tables.current, target, record);
  if (typeof routed === 'string') {
    const page = { req, method, accept: head.accept, hostHeader: target.hostHeader, requestId };
    if (!serveOwnErrorPage(context, res, routed, { ...page, client, record })) {
      refuse(routed, target.host);
    }
    return;
  }
  const facts = (): RequestFacts => requestFacts(req, target, context.settings.proto, client);
  if (routed.kind !== 'proxy') {
    answerItself(res, routed, facts(), { head: method === 'HEAD', close: context.closing });
    return;
  }
  const limits = routeLimits(routed.route, context.settings);
  // As nginx's client_max_body_size: refused before an endpoint is picked.
  if (declaredTooLarge(head.contentLength, limits)) {
    refuse('PM_ERR_BODY_TOO_LARGE', target.host);
    return;
  }
  const table = context.tables.current as CompiledTable;
  const request: RoutedRequest = {
    req,
    res,
    head,
    target,
    routed,
    limits,
    client,
    origin,
    requestId,
    method,
    record,
    facts,
    refuse,
    // The table routeRequest read: no swap runs between the two reads, in one synchronous turn.
    upstreamTls: table.upstreamTls,
    table,
  };
  passGates(
    context,
    req,
    { route: routed.route, table, target, client, requestId },
    res,
    (outcome) => {
      afterGates(context, request, outcome);
    },
    (error: unknown) => {
      logProxyError(context.logger, 'PM_ERR_INTERNAL', { method, requestId, error });
      refuse('PM_ERR_INTERNAL', target.host);
    },
  );
}

/** A request routed to a backend, on its way through the gates to an endpoint. */
interface RoutedRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly head: RequestHead;
  readonly target: RequestTarget;
  readonly routed: Extract<Routed, { kind: 'proxy' }>;
  readonly limits: RouteLimits;
  readonly client: string;
  readonly origin: ClientOrigin;
  readonly requestId: string;
  readonly method: string;
  readonly record: RequestRecord;
  readonly facts: () => RequestFacts;
  readonly refuse: (code: ProxyErrorCode, host?: string) => void;
  readonly upstreamTls: CompiledTable['upstreamTls'];
  /** The table the request was routed with (its canary backend is looked up there). */
  readonly table: CompiledTable;
}

/** Answers what a gate refused or answered; forwards what they all let through. */
function afterGates(context: ProxyContext, request: RoutedRequest, outcome: GatesOutcome): void {
  const { verdict, grant } = outcome;
  const { req, res, record, target, requestId } = request;
  if (verdict.kind === 'pass') {
    forward(context, request, grant);
    return;
  }
  if (res.destroyed) return;
  if (verdict.kind === 'refuse') {
    record.error = verdict.code;
    logProxyError(context.logger, verdict.code, {
      method: request.method,
      host: target.host,
      path: req.url,
      requestId,
      client: request.client,
    });
  }
  answerVerdict(res, verdict, grant, {
    requestId,
    accept: request.head.accept,
    // The body was not read: closing spares reading it all to reach the next request.
    close: context.closing || request.head.hasBody,
    head: request.method === 'HEAD',
  });
}

/** Picks an endpoint and forwards the request to it. */
function forward(context: ProxyContext, request: RoutedRequest, grant: Grant): void {
  const { req, res, head, target, routed, client, requestId, method, record, facts } = request;
  const { route } = routed;
  const { refuse } = request;
  const backend = backendFor(context.balancer, routed, request.table, req);
  record.backend = backend;
  // The balancers choose among the endpoints passive health has not ejected.
  const usable = context.resilience.health.usable(backend);
  // Sticky sessions (affinity: cookie) take precedence over the route's balancing, as there.
  const sticky = stickyChoiceOf(
    context.balancer,
    usable,
    route,
    req,
    context.settings.proto === 'https',
  );
  const endpoint =
    sticky?.endpoint ??
    pickEndpoint(
      context.balancer,
      usable,
      balancingRouteFor(route, backend, routed.backend),
      facts,
    );
  if (endpoint === undefined) {
    refuse('PM_ERR_NO_ENDPOINTS', target.host);
    return;
  }
  if (isGrpcOverHttp1(backend, req)) {
    refuse('PM_ERR_HTTP2_REQUIRED', target.host);
    return;
  }
  const fromPolicies = policyHeaders(route, facts);
  const headers = forwardHeaders(req.rawHeaders, head, {
    client,
    hop: request.origin.hop,
    trusted: request.origin.hopTrusted,
    proto: context.settings.proto,
    port: String(req.socket.localPort ?? ''),
    host: target.hostHeader,
    ...fromPolicies,
    editRequest: withGrantedRequestHeaders(fromPolicies.editRequest, grant),
    requestId,
    keepTeTrailers: usesHttp2(backend.protocol),
  });
  // custom-http-errors and default-backend (error-pages.ts); null for most routes.
  const pageFacts = (): ErrorPageFacts => ({
    req,
    method,
    accept: head.accept,
    hostHeader: target.hostHeader,
    requestId,
    client,
    record,
  });
  const errorPages = errorPagesFor(context, request.table, record, pageFacts);
  const sent =
    routed.standsInFor === undefined
      ? headers
      : withHeadersSet(headers, standInHeaders(pageRequestOf(pageFacts(), routed.standsInFor)));
  new ProxiedRequest(context, req, res, {
    backend,
    endpoint,
    method,
    path: routed.path,
    headers: sent,
    body: head.hasBody ? req : null,
    requestId,
    accept: head.accept,
    host: target.host,
    client,
    record,
    limits: request.limits,
    editResponse: withSessionCookie(
      sticky,
      withGrantedResponseHeaders(responseEditOf(route, facts), grant),
    ),
    retryEndpoint: sticky?.retryEndpoint,
    upstreamTls: request.upstreamTls,
    errorPages,
  }).start();
}

/**
 * `OPTIONS *` asks about the server itself, and the client library cannot send an asterisk
 * target upstream, so the proxy answers it. Any other method with `*` is malformed.
 */
function answerAsteriskOptions(res: ServerResponse, method: string, close: boolean): void {
  if (method !== 'OPTIONS') {
    sendError(res, 'PM_ERR_BAD_REQUEST', requestIdFor(undefined), undefined, true);
    return;
  }
  const headers = ['allow', ALLOWED_METHODS, 'content-length', '0'];
  headers.push('server', 'pointsman');
  if (close) headers.push('connection', 'close');
  res.writeHead(200, headers);
  res.end();
}
