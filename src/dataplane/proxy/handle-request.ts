import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyErrorCode } from '../errors.ts';
import { usesHttp2 } from '../upstream/index.ts';
import { clientAddress } from './client-address.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { sendError } from './error-response.ts';
import { forwardHeaders } from './forward-headers.ts';
import { isGrpcOverHttp1 } from './grpc-over-http1.ts';
import { logProxyError } from './log-error.ts';
import { pickEndpoint } from './pick-endpoint.ts';
import { policyHeaders } from './policy-headers.ts';
import { ProxiedRequest } from './proxied-request.ts';
import { ALLOWED_METHODS, isRefusedMethod } from './refused-methods.ts';
import { checkRequestFraming } from './request-framing.ts';
import { RequestHead } from './request-head.ts';
import { requestIdFor } from './request-id.ts';
import { recordResponse } from './request-record.ts';
import { requestTargetOf } from './request-target.ts';
import { requestFacts, type RequestFacts } from './request-variables.ts';
import { declaredTooLarge, routeLimits } from './route-limits.ts';
import { responseEditOf } from './response-policy.ts';
import { routeRequest } from './route-request.ts';
import { answerItself } from './self-answer.ts';
import { redirectToHttps } from './ssl-redirect.ts';
import { isTrusted } from './trusted-proxies.ts';

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
  const client = clientAddress(req.socket.remoteAddress);
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
    refuse(routed, target.host);
    return;
  }
  const facts = (): RequestFacts => requestFacts(req, target, context.settings.proto, client);
  if (routed.kind !== 'proxy') {
    answerItself(res, routed, facts(), { head: method === 'HEAD', close: context.closing });
    return;
  }
  const { backend, route } = routed;
  const limits = routeLimits(route, context.settings);
  // As nginx's client_max_body_size: refused before an endpoint is picked.
  if (declaredTooLarge(head.contentLength, limits)) {
    refuse('PM_ERR_BODY_TOO_LARGE', target.host);
    return;
  }
  const endpoint = pickEndpoint(context.balancer, backend, route, facts);
  if (endpoint === undefined) {
    refuse('PM_ERR_NO_ENDPOINTS', target.host);
    return;
  }
  if (isGrpcOverHttp1(backend, req)) {
    refuse('PM_ERR_HTTP2_REQUIRED', target.host);
    return;
  }
  const headers = forwardHeaders(req.rawHeaders, head, {
    client,
    trusted: isTrusted(context.trusted, client),
    proto: context.settings.proto,
    port: String(req.socket.localPort ?? ''),
    host: target.hostHeader,
    ...policyHeaders(route, facts),
    requestId,
    keepTeTrailers: usesHttp2(backend.protocol),
  });
  new ProxiedRequest(context, req, res, {
    backend,
    endpoint,
    method,
    path: routed.path,
    headers,
    body: head.hasBody ? req : null,
    requestId,
    accept: head.accept,
    host: target.host,
    client,
    record,
    limits,
    editResponse: responseEditOf(route, facts),
    // The table routeRequest read: no swap runs between the two reads, in one synchronous turn.
    upstreamTls: context.tables.current?.upstreamTls,
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
