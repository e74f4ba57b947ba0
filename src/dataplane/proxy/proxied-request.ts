import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend, Endpoint, UpstreamTlsMaterials } from '../../ir/index.ts';
import { ProxyError, statusOf, type ProxyErrorCode } from '../errors.ts';
import { failureKindOf } from '../health/index.ts';
import {
  classifyUpstreamError,
  endpointKey,
  upstreamTarget,
  type TrailerFields,
  type UpstreamController,
  type UpstreamHandler,
  withConnectTimeout,
} from '../upstream/index.ts';
import type { ProxyContext } from './context.ts';
import type { ErrorPages } from './error-pages.ts';
import { sendError } from './error-response.ts';
import { logProxyError, type ErrorLogFields } from './log-error.ts';
import { MeteredBody, type BodyLimitCode } from './metered-body.ts';
import { relayTrailers } from './relay-trailers.ts';
import type { RequestRecord } from './request-record.ts';
import { responseHeaders } from './response-headers.ts';
import type { ResponseEdit } from './response-policy.ts';
import {
  failureCondition,
  mayRetry,
  nextEndpoint,
  statusCondition,
  type AttemptFailure,
} from './retry-policy.ts';
import type { RouteLimits } from './route-limits.ts';

// Most of an upstream answer replaced by an error page (custom-http-errors) that is read to keep
// its connection; the rest of a larger one is not worth it.
const DISCARD_LIMIT = 64 * 1024;

/** Everything decided about a request before it is sent upstream. */
export interface ForwardPlan {
  readonly backend: Backend;
  readonly endpoint: Endpoint;
  readonly method: string;
  /** Origin-form path and query, as the client sent them. */
  readonly path: string;
  readonly headers: string[];
  /** The client request when it has a body to stream, else null. */
  readonly body: IncomingMessage | null;
  readonly requestId: string;
  readonly accept: string | undefined;
  /** Routing host and client address, for logs. */
  readonly host: string;
  readonly client: string;
  /** Where the outcome is noted for the request observer. */
  readonly record: RequestRecord;
  /** The route's body limit and upstream timeouts. */
  readonly limits: RouteLimits;
  /** The route's response header policies (response-policy.ts); undefined when none. */
  readonly editResponse?: ResponseEdit | undefined;
  /**
   * The endpoint of a retry, from the endpoints (endpointKey) the request tried: a sticky
   * session's (sticky-session.ts); undefined, or absent, leaves it to the retry rules.
   */
  readonly retryEndpoint?: ((tried: ReadonlySet<string>) => Endpoint | undefined) | undefined;
  /** The proxy-ssl material of the request's table (CompiledTable.upstreamTls). */
  readonly upstreamTls?: UpstreamTlsMaterials | undefined;
  /** custom-http-errors: the statuses answered by error pages (error-pages.ts); null: none. */
  readonly errorPages?: ErrorPages | null | undefined;
}

/**
 * One client request forwarded to an upstream through the upstream pools. It is its own
 * response handler, so a request costs one object here: the response head is written when
 * it arrives, body chunks go straight to the client with backpressure (pause until
 * 'drain'), a client that leaves aborts the upstream request, and an upstream that fails after
 * the response started cuts the client connection. An attempt that fails before any response
 * byte reached the client, in a way the route's retry settings list (proxy-next-upstream), is
 * sent again to an endpoint of the backend this request has not tried (see retry-policy.ts),
 * out of the endpoints passive health has not ejected, while the backend's retry budget lasts.
 * Every attempt's outcome is reported to passive health (health/endpoint-health.ts).
 */
export class ProxiedRequest implements UpstreamHandler {
  readonly #context: ProxyContext;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #plan: ForwardPlan;
  #endpoint: Endpoint;
  #controller: UpstreamController | null = null;
  #responseStarted = false;
  #waitingForDrain = false;
  /** This attempt is its endpoint's probe (health/endpoint-health.ts): a verdict is owed. */
  #probe = false;
  /** The next attempt goes on a new connection: its endpoint failed this request before. */
  #fresh = false;
  #attempts = 1;
  /** Endpoints this request was sent to (endpointKey). */
  readonly #tried = new Set<string>();
  #firstStartMs = 0;
  /** An upstream answer with a status the route retries on, discarded for the next attempt. */
  #statusRetry: AttemptFailure | null = null;
  #finished = false;
  #clientGone = false;
  /** The body as sent upstream: the client request, or a meter on it when the route bounds it. */
  #body: IncomingMessage | MeteredBody | null;
  /** Bytes of an answer replaced by an error page read and dropped so far; -1: none is. */
  #discarded = -1;
  /** Why the body stopped the request, until the upstream request can be aborted with it. */
  #bodyStop: ProxyError | null = null;

  constructor(context: ProxyContext, req: IncomingMessage, res: ServerResponse, plan: ForwardPlan) {
    this.#context = context;
    this.#req = req;
    this.#res = res;
    this.#plan = plan;
    this.#endpoint = plan.endpoint;
    this.#tried.add(endpointKey(plan.endpoint));
    plan.record.endpoint = plan.endpoint;
    this.#body = plan.body;
  }

  /** Sends the request upstream. */
  start(): void {
    this.#res.once('close', this.#onClientClose);
    const { body, limits } = this.#plan;
    if (body !== null && (limits.maxBodyBytes > 0 || limits.sendTimeoutMs > 0)) {
      this.#body = new MeteredBody(body, limits, this.#onBodyLimit);
    }
    this.#firstStartMs = performance.now();
    this.#context.resilience.budget.request(this.#plan.backend.id);
    this.#dispatch();
  }

  onRequestStart(controller: UpstreamController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(new ProxyError('PM_ERR_CLIENT_CLOSED'));
    else if (this.#bodyStop !== null) controller.abort(this.#bodyStop);
  }

  onResponseStart(
    controller: UpstreamController,
    statusCode: number,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): void {
    // A 101 to a request that asked for no upgrade (h2c requests are sent without their
    // Upgrade) would switch the connection to a protocol nobody agreed on.
    if (statusCode === 101) {
      controller.abort(new ProxyError('PM_ERR_UPSTREAM_PROTOCOL'));
      return;
    }
    // Other 1xx answers are not relayed: Node answers Expect itself and early hints are optional.
    if (statusCode < 200 || this.#clientGone) return;
    this.#context.resilience.health.succeeded(this.#plan.backend, this.#endpoint, statusCode);
    this.#probe = false;
    // Nothing of this answer is relayed: the next attempt's is.
    const status = statusCondition(statusCode);
    if (status !== null && this.#mayRetry(status)) {
      this.#statusRetry = status;
      controller.abort(new ProxyError('PM_ERR_UPSTREAM_CONNECT'));
      return;
    }
    if (this.#plan.errorPages?.intercepts(statusCode) === true) {
      this.#intercept(controller, statusCode);
      return;
    }
    this.#responseStarted = true;
    const record = this.#plan.record;
    record.upstreamMs = performance.now() - record.upstreamStartMs;
    // The time to response headers feeds load-balance: ewma.
    this.#context.balancer.observe?.(this.#plan.backend, this.#endpoint, record.upstreamMs);
    try {
      const edit = this.#plan.editResponse;
      const bound = edit === undefined ? undefined : edit.bind(null, statusCode);
      this.#res.writeHead(statusCode, responseHeaders(headers, this.#context.closing, bound));
    } catch (error) {
      // Node refuses header values it considers invalid; the client gets a clean 502.
      this.#responseStarted = false;
      controller.abort(new ProxyError('PM_ERR_UPSTREAM_PROTOCOL', undefined, { cause: error }));
    }
  }

  onResponseData(controller: UpstreamController, chunk: Buffer): void {
    if (this.#discarded >= 0) {
      this.#discard(controller, chunk.length);
      return;
    }
    if (this.#clientGone) return;
    if (!this.#res.write(chunk) && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      controller.pause();
      this.#res.once('drain', this.#onDrain);
    }
  }

  onResponseEnd(_controller: unknown, trailers?: TrailerFields): void {
    this.#finished = true;
    if (this.#clientGone || this.#discarded >= 0) return;
    relayTrailers(this.#res, trailers);
    this.#res.end();
  }

  onResponseError(_controller: unknown, error: Error): void {
    try {
      this.#fail(error);
    } catch (bug) {
      // Thrown from here, it would unwind through the connection that reported the error.
      this.#finished = true;
      logProxyError(this.#context.logger, 'PM_ERR_INTERNAL', this.#logFields(bug));
      this.#res.destroy();
    }
  }

  #fail(error: Error): void {
    if (this.#finished) return;
    this.#reportFailure(error);
    // Checked first: dropping the rest of an oversized body is not the client failing.
    if (this.#bodyStop !== null && !this.#clientGone && !this.#res.destroyed) {
      this.#finish(this.#bodyStop.code, error);
      return;
    }
    if (this.#clientGone || this.#res.destroyed || this.#req.errored !== null) {
      this.#finish('PM_ERR_CLIENT_CLOSED', error);
      return;
    }
    if (this.#statusRetry !== null) {
      this.#retry(this.#statusRetry, error);
      return;
    }
    const failure = classifyUpstreamError(error, this.#responseStarted);
    if (!this.#responseStarted) {
      this.#context.balancer.observe?.(this.#plan.backend, this.#endpoint, null);
    }
    const attempt = this.#responseStarted ? null : failureCondition(failure);
    if (attempt !== null && this.#mayRetry(attempt)) {
      this.#retry(attempt, error);
      return;
    }
    this.#finish(failure.code, error);
  }

  /**
   * Tells passive health what the failed attempt says about its endpoint. While the client was
   * still sending its body, only a failed connect counts: an upstream that gives up on a body
   * trickled at it, or closes before reading it all, may be right, and a client must not be able
   * to eject endpoints that way. A probe that ends saying nothing is released.
   */
  #reportFailure(error: Error): void {
    const { health } = this.#context.resilience;
    let kind = this.#clientGone ? null : failureKindOf(error);
    const bodyUnfinished = this.#plan.body !== null && !this.#req.complete;
    if (bodyUnfinished && kind !== 'connect' && kind !== 'connect_timeout') kind = null;
    if (kind !== null) health.failed(this.#plan.backend, this.#endpoint, kind);
    else if (this.#probe) health.release(this.#endpoint);
    this.#probe = false;
  }

  #finish(code: ProxyErrorCode, error: Error): void {
    this.#finished = true;
    this.#plan.record.error = code;
    logProxyError(this.#context.logger, code, this.#logFields(error));
    if (code === 'PM_ERR_CLIENT_CLOSED') return;
    // A body the upstream did not take whole is not read to its end here: close after the answer.
    const close = this.#context.closing || (this.#body !== this.#plan.body && !this.#req.complete);
    if (this.#plan.errorPages?.handles(code) === true && !this.#res.headersSent) {
      this.#plan.errorPages.serve(this.#res, statusOf(code), code, close);
      return;
    }
    sendError(this.#res, code, this.#plan.requestId, this.#plan.accept, close);
  }

  /**
   * custom-http-errors: the upstream's answer is dropped and the error page answers in its
   * place (error-pages.ts).
   */
  #intercept(controller: UpstreamController, status: number): void {
    this.#finished = true;
    const record = this.#plan.record;
    record.upstreamMs = performance.now() - record.upstreamStartMs;
    this.#context.balancer.observe?.(this.#plan.backend, this.#endpoint, record.upstreamMs);
    // The answer's body is read and dropped, so that its connection can serve again; one
    // larger than DISCARD_LIMIT costs the connection instead.
    this.#discarded = 0;
    this.#discard(controller, 0);
    // The rest of a request body the upstream no longer reads is not read here either (over
    // HTTP/1; an HTTP/2 stream ends alone, and has no Connection header).
    const unread = !this.#req.complete && this.#req.httpVersionMajor < 2;
    const close = this.#context.closing || unread;
    this.#plan.errorPages?.serve(this.#res, status, 'PM_ERR_ERROR_BACKEND', close);
  }

  #discard(controller: UpstreamController, bytes: number): void {
    this.#discarded += bytes;
    if (this.#discarded > DISCARD_LIMIT) {
      controller.abort(new ProxyError('PM_ERR_CLIENT_CLOSED', 'replaced by an error page'));
    }
  }

  /**
   * Whether a failed attempt is sent again: before any response byte reached the client, by the
   * route's retry settings, among the endpoints in rotation, within the retry budget.
   */
  #mayRetry(failure: AttemptFailure): boolean {
    const { backend, limits, method, body } = this.#plan;
    const tried = this.#tried;
    const { health, budget } = this.#context.resilience;
    const usable = health.usable(backend).endpoints;
    const allowed = mayRetry(failure, {
      retries: limits.retries,
      method,
      hasBody: body !== null,
      attempts: this.#attempts,
      endpoints: usable.length,
      untried: usable.filter((endpoint) => !tried.has(endpointKey(endpoint))).length,
      firstStartMs: this.#firstStartMs,
      nowMs: performance.now(),
    });
    if (!allowed) return false;
    if (budget.withdraw(backend.id)) return true;
    this.#plan.record.retryBudgetExhausted = true;
    this.#context.logger.debug(
      { backend: backend.id, upstream: endpointKey(this.#endpoint) },
      'retry budget exhausted: not retrying',
    );
    return false;
  }

  /**
   * The next attempt goes to an endpoint this request has not tried; to one it has (every one
   * failed) on a new connection, since the pooled ones may be as stale as the one that failed.
   */
  #retry(failure: AttemptFailure, error: Error): void {
    this.#statusRetry = null;
    this.#controller = null;
    this.#attempts++;
    this.#context.logger.debug(
      { code: failure.reason, upstream: endpointKey(this.#endpoint), error: error.message },
      'retrying the request',
    );
    const backend = this.#context.resilience.health.usable(this.#plan.backend);
    const chosen = this.#plan.retryEndpoint?.(this.#tried);
    const pick = chosen ?? this.#context.balancer.pick(backend);
    this.#endpoint = chosen ?? nextEndpoint(backend, pick, this.#tried, this.#endpoint);
    const key = endpointKey(this.#endpoint);
    this.#fresh = this.#tried.has(key);
    this.#tried.add(key);
    const record = this.#plan.record;
    record.retries++;
    record.retryReason = failure.reason;
    record.endpoint = this.#endpoint;
    // Not from inside the upstream's error callback: start the new attempt on a clean stack.
    queueMicrotask(() => {
      this.#dispatch();
    });
  }

  #dispatch(): void {
    const plan = this.#plan;
    const read = plan.limits.readTimeoutMs;
    const options = {
      path: plan.path,
      method: plan.method,
      headers: plan.headers,
      body: this.#body,
      // proxy-read-timeout: the wait for the response head and between body chunks.
      ...(read === undefined ? {} : { headersTimeout: read, bodyTimeout: read }),
    };
    plan.record.upstreamStartMs = performance.now();
    this.#probe = this.#context.resilience.health.attempt(this.#endpoint);
    const target = withConnectTimeout(
      upstreamTarget(plan.backend, plan.upstreamTls),
      plan.limits.connectTimeoutMs,
    );
    if (this.#fresh) this.#context.pools.dispatchFresh(this.#endpoint, options, this, target);
    else this.#context.pools.dispatcher(this.#endpoint, target).dispatch(options, this);
  }

  /** The body passed its size limit, or the upstream stopped taking it: abort the upstream. */
  readonly #onBodyLimit = (code: BodyLimitCode): void => {
    if (this.#finished || this.#bodyStop !== null) return;
    this.#bodyStop = new ProxyError(code);
    this.#controller?.abort(this.#bodyStop);
  };

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.#controller?.resume();
  };

  readonly #onClientClose = (): void => {
    if (this.#res.writableFinished) return;
    this.#clientGone = true;
    if (!this.#finished) this.#controller?.abort(new ProxyError('PM_ERR_CLIENT_CLOSED'));
  };

  #logFields(error: unknown): ErrorLogFields {
    const plan = this.#plan;
    return {
      method: plan.method,
      host: plan.host,
      path: plan.path,
      requestId: plan.requestId,
      client: plan.client,
      backend: plan.backend.id,
      upstream: endpointKey(this.#endpoint),
      error,
    };
  }
}
