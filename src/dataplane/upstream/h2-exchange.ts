import { constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { ProxyError } from '../errors.ts';
import { h2RequestHeaders, withoutPseudoHeaders } from './h2-headers.ts';
import type { UpstreamController, UpstreamHandler, UpstreamRequest } from './protocol.ts';
import { forwardableTrailers, type TrailerFields } from './trailers.ts';

/** Settings of one exchange, shared by every request to one origin. */
export interface H2ExchangeSettings {
  readonly scheme: 'http' | 'https';
  /** `:authority` for requests without a Host. */
  readonly authority: string;
  /** Time from sending the request to the response head. */
  readonly headersTimeoutMs: number;
  /** Longest gap between two response body chunks; 0 turns it off. */
  readonly bodyTimeoutMs: number;
}

/**
 * One request and its response on an HTTP/2 stream, driving an undici-style dispatch handler,
 * and the handler's controller: `pause()` stops reading the stream, so its flow-control window
 * closes and the upstream waits; `abort()` resets the stream (CANCEL). The request body is
 * piped with backpressure and its trailers (an HTTP/1.1 chunked body's, or an HTTP/2 client's)
 * follow it; the response trailers (gRPC's `grpc-status`) reach `onResponseEnd`.
 */
export class H2Exchange implements UpstreamController {
  readonly #request: UpstreamRequest;
  readonly #handler: UpstreamHandler;
  readonly #settings: H2ExchangeSettings;
  readonly #onClose: () => void;
  #stream: ClientHttp2Stream | null = null;
  #headersTimer: NodeJS.Timeout | null = null;
  #trailers: Record<string, string | string[]> = {};
  #responseStarted = false;
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;
  #done = false;
  #closed = false;

  /** `onClose` is called once, when the stream is closed (or could not be opened). */
  constructor(
    request: UpstreamRequest,
    handler: UpstreamHandler,
    settings: H2ExchangeSettings,
    onClose: () => void,
  ) {
    this.#request = request;
    this.#handler = handler;
    this.#settings = settings;
    this.#onClose = onClose;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  /** Fails the request without sending it (its dispatcher is closed). */
  refuse(error: Error): void {
    this.#handler.onRequestStart?.(this, {});
    this.#closeOnce();
    this.#fail(error);
  }

  /** Opens the stream on `session` and sends the request. */
  start(session: ClientHttp2Session): void {
    this.#handler.onRequestStart?.(this, {});
    if (this.#done) {
      this.#closeOnce();
      return;
    }
    const { body, method, path, headers } = this.#request;
    const { scheme, authority } = this.#settings;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(
        h2RequestHeaders({ method, path, scheme, headers, fallbackAuthority: authority }),
        { endStream: body === null, waitForTrailers: body !== null },
      );
    } catch (error) {
      this.#closeOnce();
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#stream = stream;
    this.#listen(stream);
    this.#headersTimer = setTimeout(this.#onHeadersTimeout, this.#settings.headersTimeoutMs);
    if (body !== null) {
      stream.once('wantTrailers', () => {
        sendTrailers(stream, (body as { trailers?: TrailerFields }).trailers);
      });
      body.pipe(stream);
    }
  }

  abort(reason: Error): void {
    if (this.#done) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#fail(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#stream?.pause();
    // A client that reads slowly is not the upstream being slow.
    this.#stream?.setTimeout(0);
  }

  resume(): void {
    this.#paused = false;
    const stream = this.#stream;
    if (stream === null || this.#done) return;
    stream.resume();
    if (this.#responseStarted) this.#armBodyTimeout();
  }

  #listen(stream: ClientHttp2Stream): void {
    stream.on('error', (error: Error) => {
      this.#fail(causeOf(error));
    });
    stream.once('response', (headers) => {
      this.#onResponse(headers);
    });
    stream.on('data', (chunk: Buffer) => {
      if (!this.#done) this.#handler.onResponseData?.(this, chunk);
    });
    stream.once('trailers', (trailers: Readonly<Record<string, unknown>>) => {
      this.#trailers = withoutPseudoHeaders(trailers);
    });
    stream.once('end', () => {
      this.#onEnd();
    });
    stream.on('timeout', () => {
      this.#fail(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT'));
    });
    stream.once('close', () => {
      this.#closeOnce();
      if (!this.#done) this.#fail(resetError(stream.rstCode));
    });
  }

  #onResponse(headers: Readonly<Record<string, unknown>>): void {
    this.#clearHeadersTimer();
    if (this.#done) return;
    this.#responseStarted = true;
    const status = Number(headers[':status']);
    this.#handler.onResponseStart?.(this, status, withoutPseudoHeaders(headers), '');
    this.#armBodyTimeout();
  }

  /** The body timeout runs while the response streams and the handler is not holding it. */
  #armBodyTimeout(): void {
    if (this.#done || this.#paused) return;
    this.#stream?.setTimeout(this.#settings.bodyTimeoutMs);
  }

  #onEnd(): void {
    const stream = this.#stream;
    if (this.#done || stream === null) return;
    // Node also ends the readable side of a stream the upstream reset: that is no response.
    if (!this.#responseStarted || stream.rstCode !== constants.NGHTTP2_NO_ERROR) {
      this.#fail(resetError(stream.rstCode));
      return;
    }
    this.#done = true;
    this.#clearHeadersTimer();
    stream.setTimeout(0);
    this.#handler.onResponseEnd?.(this, this.#trailers);
    // The response is complete; the rest of a request body is not needed (RFC 9113 8.1).
    if (!stream.closed && !stream.writableEnded) {
      this.#request.body?.unpipe(stream);
      stream.close(constants.NGHTTP2_NO_ERROR);
    }
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearHeadersTimer();
    const stream = this.#stream;
    if (stream !== null) {
      this.#request.body?.unpipe(stream);
      stream.setTimeout(0);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    }
    this.#handler.onResponseError?.(this, error);
  }

  #closeOnce(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }

  #clearHeadersTimer(): void {
    if (this.#headersTimer === null) return;
    clearTimeout(this.#headersTimer);
    this.#headersTimer = null;
  }

  readonly #onHeadersTimeout = (): void => {
    this.#headersTimer = null;
    this.#fail(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT'));
  };
}

/** Sends the request trailers, or ends the stream with an empty DATA frame when there are none. */
function sendTrailers(stream: ClientHttp2Stream, trailers: TrailerFields | undefined): void {
  if (stream.destroyed || stream.closed) return;
  try {
    stream.sendTrailers(forwardableTrailers(trailers) ?? {});
  } catch {
    // The stream was reset meanwhile; its 'close' reports that.
    stream.close(constants.NGHTTP2_CANCEL);
  }
}

/**
 * Streams still waiting for their session are cancelled with the session's own error as the
 * cause (a refused connection, a TLS failure, a connect timeout): that is the error to report.
 */
function causeOf(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_HTTP2_STREAM_CANCEL' && error.cause instanceof Error) return error.cause;
  return error;
}

/** A stream the upstream closed without finishing it (RST_STREAM, or the session going away). */
function resetError(rstCode: number): Error {
  const error = new Error(`the upstream closed the stream (HTTP/2 error code ${String(rstCode)})`);
  return Object.assign(error, {
    code: rstCode === constants.NGHTTP2_REFUSED_STREAM ? 'PM_H2_REFUSED_STREAM' : 'PM_H2_RESET',
    rstCode,
  });
}
