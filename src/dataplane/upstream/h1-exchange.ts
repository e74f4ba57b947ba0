import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ProxyError } from '../errors.ts';
import type { RequestHead } from './h1-request-head.ts';
import type { ResponseFields, ResponseHead } from './h1-response-parser.ts';
import type { UpstreamController, UpstreamHandler, UpstreamRequest } from './protocol.ts';

/** What an exchange asks of the connection it runs on. */
export interface ExchangeLink {
  /** Stop reading the response (the handler's backpressure). */
  pauseReading(): void;
  resumeReading(): void;
  /** The request, body included, has been written whole. */
  requestSent(): void;
  /** The exchange failed or was aborted: the connection is not used again. */
  abandon(): void;
}

const NO_TRAILERS: ResponseFields = Object.freeze(Object.create(null) as ResponseFields);

/**
 * One request and its response on an HTTP/1.1 connection, and the handler's controller. The
 * request body is written as it arrives, with backpressure (the body pauses while the socket's
 * buffer is full), framed by its length or chunked; empty chunks are skipped, since a zero-size
 * chunk would end a chunked body early. A handler that aborts, a body that breaks and a
 * connection that fails all end the exchange once, in `onResponseError`; a failed exchange
 * destroys its body, as undici did, so that a partial upload is never taken for a whole one.
 */
export class H1Exchange implements UpstreamController {
  readonly request: UpstreamRequest;
  readonly #handler: UpstreamHandler;
  #link: ExchangeLink | null = null;
  #socket: Socket | null = null;
  #body: Readable | null = null;
  /** Body bytes the head announced; -1: chunked. */
  #bodyLength = 0;
  #bodySent = 0;
  #done = false;
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;

  constructor(request: UpstreamRequest, handler: UpstreamHandler) {
    this.request = request;
    this.#handler = handler;
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

  /** True once the exchange has ended, either way. */
  get done(): boolean {
    return this.#done;
  }

  /** Hands the handler its controller; it may abort at once. */
  start(): void {
    this.#handler.onRequestStart?.(this, {});
  }

  /** Writes the request on `socket`, the connection being `link`. */
  send(socket: Socket, link: ExchangeLink, head: RequestHead): void {
    this.#socket = socket;
    this.#link = link;
    const body = this.request.body;
    socket.write(head.text, 'latin1');
    if (this.#paused) link.pauseReading();
    if (body === null) {
      link.requestSent();
      return;
    }
    this.#body = body;
    this.#bodyLength = head.bodyLength;
    body.on('data', this.#onBodyData);
    body.once('end', this.#onBodyEnd);
    body.once('close', this.#onBodyClose);
    body.on('error', this.#onBodyError);
  }

  /** The response head arrived. */
  head(head: ResponseHead): void {
    if (!this.#done)
      this.#handler.onResponseStart?.(this, head.status, head.headers, head.statusText);
  }

  /** A piece of the response body arrived. */
  data(chunk: Buffer): void {
    if (!this.#done) this.#handler.onResponseData?.(this, chunk);
  }

  /** The response is complete. A body still being sent is no longer wanted. */
  end(trailers: ResponseFields | undefined): void {
    if (this.#done) return;
    this.#done = true;
    const body = this.#detachBody();
    // Read on and dropped, so that the client's connection reaches its next request.
    if (body !== null && !body.readableEnded) body.resume();
    this.#handler.onResponseEnd?.(this, trailers ?? NO_TRAILERS);
  }

  /** Ends the exchange with `error`. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    const body = this.#detachBody();
    if (body !== null && !body.destroyed && !body.readableEnded) body.destroy();
    this.#link?.abandon();
    this.#handler.onResponseError?.(this, error);
  }

  abort(reason: Error): void {
    if (this.#done) return;
    this.#aborted = true;
    this.#reason = reason;
    this.fail(reason);
  }

  pause(): void {
    this.#paused = true;
    if (!this.#done) this.#link?.pauseReading();
  }

  resume(): void {
    this.#paused = false;
    if (!this.#done) this.#link?.resumeReading();
  }

  #detachBody(): Readable | null {
    const body = this.#body;
    if (body === null) return null;
    this.#body = null;
    body.off('data', this.#onBodyData);
    body.off('end', this.#onBodyEnd);
    body.off('close', this.#onBodyClose);
    this.#socket?.off('drain', this.#onSocketDrain);
    // The error listener stays: a body destroyed with an error must not end the process.
    return body;
  }

  readonly #onBodyData = (chunk: Buffer): void => {
    const socket = this.#socket;
    if (socket === null || chunk.length === 0) return;
    this.#bodySent += chunk.length;
    if (this.#bodyLength >= 0 && this.#bodySent > this.#bodyLength) {
      this.fail(
        new ProxyError('PM_ERR_BAD_REQUEST', 'the request body is longer than its Content-Length'),
      );
      return;
    }
    let flushed: boolean;
    if (this.#bodyLength < 0) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      flushed = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      flushed = socket.write(chunk);
    }
    if (!flushed) {
      this.#body?.pause();
      socket.once('drain', this.#onSocketDrain);
    }
  };

  readonly #onSocketDrain = (): void => {
    this.#body?.resume();
  };

  readonly #onBodyEnd = (): void => {
    if (this.#done) return;
    if (this.#bodyLength >= 0 && this.#bodySent !== this.#bodyLength) {
      this.fail(
        new ProxyError('PM_ERR_BAD_REQUEST', 'the request body is shorter than its Content-Length'),
      );
      return;
    }
    if (this.#bodyLength < 0) this.#socket?.write('0\r\n\r\n', 'latin1');
    this.#detachBody();
    this.#link?.requestSent();
  };

  // A body that closes without ending: the client left mid-upload (or its meter stopped it).
  readonly #onBodyClose = (): void => {
    if (this.#done || this.#body?.readableEnded === true) return;
    this.fail(new ProxyError('PM_ERR_CLIENT_CLOSED', 'the request body ended early'));
  };

  readonly #onBodyError = (error: Error): void => {
    if (!this.#done) this.fail(error);
  };
}
