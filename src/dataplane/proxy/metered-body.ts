import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { ignoreError } from './context.ts';

/** Why a metered body stopped the request. */
export type BodyLimitCode = 'PM_ERR_BODY_TOO_LARGE' | 'PM_ERR_UPSTREAM_TIMEOUT';

/** What a {@link MeteredBody} enforces; 0 turns either off. */
export interface BodyMeterLimits {
  /** Largest body in bytes: the byte past it stops the request. */
  readonly maxBodyBytes: number;
  /** Longest time the upstream may leave body bytes waiting while it takes none. */
  readonly sendTimeoutMs: number;
}

/**
 * The request body as the upstream reads it, when the route bounds it (proxy-body-size,
 * proxy-send-timeout). The client request is read here and written on with backpressure, rather
 * than piped: when the upstream request is aborted, the upstream client destroys the body it was given, and
 * destroying the client request itself would cut the client connection before it hears why.
 *
 * - Size: bytes are counted as they arrive, whatever the framing (chunked, HTTP/2 DATA frames);
 *   the chunk that passes the limit is not forwarded, `onLimit` is told, and the rest of the
 *   client's body is read and dropped so that the client can read the answer.
 * - Send timeout: while the upstream takes nothing (this stream's buffers are full and the
 *   client is paused), a timer runs; each time the upstream takes bytes again it stops. This is
 *   nginx's proxy_send_timeout: the time between two successful writes, not the whole upload.
 */
export class MeteredBody extends PassThrough {
  readonly #source: IncomingMessage;
  readonly #limits: BodyMeterLimits;
  readonly #onLimit: (code: BodyLimitCode) => void;
  #received = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    source: IncomingMessage,
    limits: BodyMeterLimits,
    onLimit: (code: BodyLimitCode) => void,
  ) {
    super();
    this.#source = source;
    this.#limits = limits;
    this.#onLimit = onLimit;
    this.on('error', ignoreError);
    source.on('data', this.#onData);
    source.once('end', this.#onEnd);
    source.once('close', this.#onSourceClose);
  }

  /** The client's request trailers, which an HTTP/2 upstream is sent after the body. */
  get trailers(): NodeJS.Dict<string> {
    return this.#source.trailers;
  }

  /** Bytes of body the client has sent so far. */
  get received(): number {
    return this.#received;
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    // A chunk moves on only once the upstream has taken earlier ones: that is progress.
    this.#timer?.refresh();
    callback(null, chunk);
  }

  // The upstream client destroys the body it was given when the request fails or is aborted.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stop();
    callback(error);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#received += chunk.length;
    const max = this.#limits.maxBodyBytes;
    if (max > 0 && this.#received > max) {
      this.#stop();
      this.#onLimit('PM_ERR_BODY_TOO_LARGE');
      return;
    }
    if (this.write(chunk)) return;
    this.#source.pause();
    this.once('drain', this.#onDrain);
    const timeout = this.#limits.sendTimeoutMs;
    if (timeout > 0 && this.#timer === null) {
      this.#timer = setTimeout(this.#onSendTimeout, timeout);
    }
  };

  readonly #onDrain = (): void => {
    this.#clearTimer();
    if (!this.#stopped) this.#source.resume();
  };

  readonly #onEnd = (): void => {
    if (!this.#stopped) this.end();
  };

  // A client that leaves mid-body: the upstream must not take a truncated body as complete.
  readonly #onSourceClose = (): void => {
    if (!this.#source.complete && !this.destroyed) this.destroy();
  };

  readonly #onSendTimeout = (): void => {
    this.#timer = null;
    this.#stop();
    this.#onLimit('PM_ERR_UPSTREAM_TIMEOUT');
  };

  /** Stops forwarding; what the client still sends is read and dropped. */
  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearTimer();
    this.#source.off('data', this.#onData);
    this.#source.off('end', this.#onEnd);
    this.#source.off('close', this.#onSourceClose);
    this.off('drain', this.#onDrain);
    if (!this.#source.complete) this.#source.resume();
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}
