import type { ServerResponse } from 'node:http';
import type { Backend, ErrorPagesPolicy } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import { ProxyError, statusOf, type ProxyErrorCode } from '../errors.ts';
import {
  HTTP_TARGET,
  endpointKey,
  withConnectTimeout,
  type UpstreamController,
  type UpstreamHandler,
} from '../upstream/index.ts';
import type { ProxyContext } from './context.ts';
import { sendError } from './error-response.ts';
import { logProxyError } from './log-error.ts';
import { responseHeaders } from './response-headers.ts';

// The proxy's own answers that ingress-nginx's error_page catches: nginx's 502, 503 and 504
// for an upstream it cannot reach or that fails before answering.
const OWN_ERRORS: ReadonlySet<ProxyErrorCode> = new Set([
  'PM_ERR_NO_ENDPOINTS',
  'PM_ERR_BACKEND_UNRESOLVED',
  'PM_ERR_UPSTREAM_CONNECT',
  'PM_ERR_UPSTREAM_PROTOCOL',
  'PM_ERR_UPSTREAM_TLS',
  'PM_ERR_UPSTREAM_CONNECT_TIMEOUT',
  'PM_ERR_UPSTREAM_TIMEOUT',
]);

/** Bounds of one error-page request: an error page is small and quick, or it is not used. */
export const ERROR_PAGE_LIMITS = {
  /** Time allowed to connect to the error backend. */
  connectTimeoutMs: 5_000,
  /** Wait for its response head, and longest gap between body chunks. */
  readTimeoutMs: 10_000,
  /** The whole exchange, head and body. */
  totalTimeoutMs: 15_000,
  /** Largest page kept; a larger one is not served. */
  maxBodyBytes: 1024 * 1024,
} as const;

/** What the error backend is told about the request it answers for (nginx's variables). */
export interface ErrorPageRequest {
  readonly method: string;
  /** The client's Accept, sent as `X-Format`. */
  readonly accept: string | undefined;
  /** The request target as the client sent it (`$request_uri`), sent as `X-Original-URI`. */
  readonly requestUri: string;
  /** The Ingress of the route (`''` when none), and the route's own Service name and port. */
  readonly namespace: string;
  readonly ingressName: string;
  readonly serviceName: string;
  readonly servicePort: string;
  readonly requestId: string;
  /** The Host the client sent, passed on as Host (undefined: the error backend's address). */
  readonly hostHeader: string | undefined;
  readonly client: string;
}

/** The error backend of a policy, when it has a ready endpoint in the table. */
export function errorBackendOf(
  table: CompiledTable,
  policy: ErrorPagesPolicy | undefined,
): Backend | null {
  if (policy?.backend === undefined) return null;
  const backend = table.backend(policy.backend);
  return backend !== undefined && backend.endpoints.length > 0 ? backend : null;
}

/**
 * The headers a stand-in backend (default-backend) gets in place of the client's of the same
 * names, as ingress-nginx sets them for a `custom-default-backend-` upstream: `X-Code: 503`
 * and the others, without `X-Original-URI` (the request keeps its own target).
 */
export function standInHeaders(request: ErrorPageRequest): readonly [string, string][] {
  return errorHeaders(503, request).filter(([name]) => name !== 'x-original-uri');
}

/**
 * `headers` (a flat `[name, value, ...]` list) with each of `set` in place of any header of
 * the same name (nginx's proxy_set_header).
 */
export function withHeadersSet(
  headers: readonly string[],
  set: readonly (readonly [string, string])[],
): string[] {
  const names = new Set(set.map(([name]) => name));
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!names.has(name.toLowerCase())) out.push(name, headers[i + 1] as string);
  }
  for (const [name, value] of set) out.push(name, value);
  return out;
}

/**
 * The error pages of one request: which statuses are served from the error backend, and the
 * request that fetches a page. ingress-nginx's `error_page CODE = @custom_...` with
 * `proxy_intercept_errors on`: the upstream's answer is dropped, the error backend is asked for
 * `/` with `X-Code` and the other `X-*` headers, and its answer (status included, as nginx's
 * `=` keeps the named location's status) goes to the client.
 */
export class ErrorPages {
  readonly #context: ProxyContext;
  readonly #policy: ErrorPagesPolicy;
  readonly #backend: Backend;
  readonly #request: ErrorPageRequest;

  constructor(
    context: ProxyContext,
    policy: ErrorPagesPolicy,
    backend: Backend,
    request: ErrorPageRequest,
  ) {
    this.#context = context;
    this.#policy = policy;
    this.#backend = backend;
    this.#request = request;
  }

  /** True when an upstream answer with this status is replaced by an error page. */
  intercepts(status: number): boolean {
    return this.#policy.relayUpstream !== true && this.#policy.codes.includes(status);
  }

  /** True when the proxy's own error with this code is answered by an error page. */
  handles(code: ProxyErrorCode): boolean {
    return OWN_ERRORS.has(code) && this.#policy.codes.includes(statusOf(code));
  }

  /**
   * Answers `res` with the error page for `status`. When the error backend fails, times out or
   * sends more than {@link ERROR_PAGE_LIMITS.maxBodyBytes}, the client gets `fallback`'s coded
   * error instead (nginx would answer 502 there).
   */
  serve(res: ServerResponse, status: number, fallback: ProxyErrorCode, close: boolean): void {
    const endpoint = this.#context.balancer.pick(this.#backend);
    const request = this.#request;
    const fail = (error: unknown): void => {
      logProxyError(this.#context.logger, 'PM_ERR_ERROR_BACKEND', {
        method: request.method,
        host: request.hostHeader,
        path: request.requestUri,
        requestId: request.requestId,
        client: request.client,
        backend: this.#backend.id,
        error,
      });
      sendError(res, fallback, request.requestId, request.accept, close);
    };
    if (endpoint === undefined) {
      fail(new Error('the error backend has no ready endpoint'));
      return;
    }
    const head = request.method === 'HEAD';
    const base = ['x-forwarded-for', request.client];
    if (request.hostHeader !== undefined) base.push('host', request.hostHeader);
    const headers = withHeadersSet(base, errorHeaders(status, request));
    if (request.accept !== undefined) headers.push('accept', request.accept);
    const handler = new PageFetch(res, head, close, fail);
    const target = withConnectTimeout(HTTP_TARGET, ERROR_PAGE_LIMITS.connectTimeoutMs);
    try {
      this.#context.pools.dispatcher(endpoint, target).dispatch(
        {
          // As nginx's `rewrite (.*) / break`: the page is asked for at `/`. The body was
          // streamed to the upstream and is not kept, so the method is GET (HEAD for HEAD).
          path: '/',
          method: head ? 'HEAD' : 'GET',
          headers,
          body: null,
          headersTimeout: ERROR_PAGE_LIMITS.readTimeoutMs,
          bodyTimeout: ERROR_PAGE_LIMITS.readTimeoutMs,
        },
        handler,
      );
    } catch (error) {
      handler.onResponseError(null, error instanceof Error ? error : new Error(String(error)));
    }
    this.#context.logger.debug(
      { code: status, backend: this.#backend.id, upstream: endpointKey(endpoint) },
      'serving an error page',
    );
  }
}

/** The `X-*` headers of ingress-nginx's `@custom_` locations, in lower case. */
function errorHeaders(status: number, request: ErrorPageRequest): [string, string][] {
  const headers: [string, string][] = [
    ['x-code', String(status)],
    ['x-original-uri', request.requestUri],
    ['x-namespace', request.namespace],
    ['x-ingress-name', request.ingressName],
    ['x-service-name', request.serviceName],
    ['x-service-port', request.servicePort],
    ['x-request-id', request.requestId],
  ];
  // nginx sends no header whose value is empty.
  if (request.accept !== undefined && request.accept !== '') {
    headers.splice(1, 0, ['x-format', request.accept]);
  }
  return headers.filter(([, value]) => value !== '');
}

/**
 * One error-page exchange: the page is kept (up to the limit) and written whole once it ended,
 * so that a failure at any point can still be answered cleanly.
 */
class PageFetch implements UpstreamHandler {
  readonly #res: ServerResponse;
  readonly #head: boolean;
  readonly #close: boolean;
  readonly #fail: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #controller: UpstreamController | null = null;
  #status = 0;
  #headers: Readonly<Record<string, string | string[] | undefined>> = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #done = false;

  constructor(res: ServerResponse, head: boolean, close: boolean, fail: (e: unknown) => void) {
    this.#res = res;
    this.#head = head;
    this.#close = close;
    this.#fail = fail;
    this.#timer = setTimeout(() => {
      this.#abort(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT', 'the error page took too long'));
    }, ERROR_PAGE_LIMITS.totalTimeoutMs);
    this.#timer.unref();
    res.once('close', this.#onClientClose);
  }

  onRequestStart(controller: UpstreamController): void {
    this.#controller = controller;
    if (this.#done) controller.abort(new ProxyError('PM_ERR_CLIENT_CLOSED'));
  }

  onResponseStart(
    _controller: UpstreamController,
    statusCode: number,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): void {
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: UpstreamController, chunk: Buffer): void {
    if (this.#done) return;
    this.#size += chunk.length;
    if (this.#size > ERROR_PAGE_LIMITS.maxBodyBytes) {
      this.#abort(
        new Error(`the error page is larger than ${String(ERROR_PAGE_LIMITS.maxBodyBytes)} bytes`),
      );
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#done) return;
    this.#end();
    const res = this.#res;
    if (res.destroyed || res.headersSent) return;
    const body = Buffer.concat(this.#chunks);
    const kept = dropNamed(responseHeaders(this.#headers, this.#close), 'content-length');
    kept.push('content-length', String(body.length));
    try {
      res.writeHead(this.#status, kept);
      res.end(this.#head ? undefined : body);
    } catch (error) {
      // Node refuses header values it considers invalid: the fallback answers instead.
      this.#fail(error);
    }
  }

  onResponseError(_controller: unknown, error: Error): void {
    if (this.#done) return;
    this.#end();
    this.#fail(error);
  }

  #abort(error: Error): void {
    if (this.#done) return;
    this.#controller?.abort(error);
    // Without a controller yet (or once aborted) undici reports the error here too; say it once.
    this.onResponseError(null, error);
  }

  #end(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#res.off('close', this.#onClientClose);
  }

  readonly #onClientClose = (): void => {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#controller?.abort(new ProxyError('PM_ERR_CLIENT_CLOSED'));
  };
}

/** A flat header list without the headers named `name`. */
function dropNamed(headers: (string | string[])[], name: string): (string | string[])[] {
  const out: (string | string[])[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i] !== name) out.push(headers[i] as string, headers[i + 1] as string | string[]);
  }
  return out;
}
