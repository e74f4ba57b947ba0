import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyErrorCode } from '../errors.ts';
import { usesHttp2 } from '../upstream/index.ts';
import { clientAddress } from './client-address.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { sendError } from './error-response.ts';
import { forwardHeaders } from './forward-headers.ts';
import { isGrpcOverHttp1 } from './grpc-over-http1.ts';
import { logProxyError } from './log-error.ts';
import { ProxiedRequest } from './proxied-request.ts';
import { RequestHead } from './request-head.ts';
import { requestIdFor } from './request-id.ts';
import { recordResponse } from './request-record.ts';
import { parseRequestTarget } from './request-target.ts';
import { routeRequest } from './route-request.ts';
import { redirectToHttps } from './ssl-redirect.ts';
import { isTrusted } from './trusted-proxies.ts';

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
    sendError(res, code, requestId, head.accept, code === 'PM_ERR_BAD_REQUEST' || context.closing);
  };
  const target = parseRequestTarget(req.url ?? '', head, req.httpVersion);
  if (target === null || !framingIsSound(head)) {
    refuse('PM_ERR_BAD_REQUEST');
    return;
  }
  if (target.forwardPath === '*') {
    answerAsteriskOptions(res, method, context.closing);
    return;
  }
  if (redirectToHttps(context, target, res)) return;
  const backend = routeRequest(context.tables.current, target.host, target.path, record);
  const endpoint = typeof backend === 'string' ? undefined : context.balancer.pick(backend);
  if (typeof backend === 'string' || endpoint === undefined) {
    refuse(typeof backend === 'string' ? backend : 'PM_ERR_NO_ENDPOINTS', target.host);
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
    requestId,
    keepTeTrailers: usesHttp2(backend.protocol),
  });
  new ProxiedRequest(context, req, res, {
    backend,
    endpoint,
    method,
    path: target.forwardPath,
    headers,
    body: head.hasBody ? req : null,
    requestId,
    accept: head.accept,
    host: target.host,
    client,
    record,
  }).start();
}

/**
 * RFC 9112 section 6.3: a request with Transfer-Encoding must end in chunked, and must not
 * also carry Content-Length. Node's parser refuses most of this itself; checked again so that
 * request smuggling protection never depends on a parser setting.
 */
function framingIsSound(head: RequestHead): boolean {
  const coding = head.transferEncoding;
  if (coding === undefined) return true;
  return head.contentLength === undefined && /(^|,)\s*chunked\s*$/i.test(coding);
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
  const headers = ['allow', 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS', 'content-length', '0'];
  headers.push('server', 'pointsman');
  if (close) headers.push('connection', 'close');
  res.writeHead(200, headers);
  res.end();
}
