import type { Socket } from 'node:net';
import { ProxyError } from '../errors.ts';
import {
  connectUpstream,
  type ConnectTracker,
  type UpstreamConnectOptions,
} from './connect-upstream.ts';
import type { ExchangeLink, H1Exchange } from './h1-exchange.ts';
import { requestHead } from './h1-request-head.ts';
import {
  ResponseParser,
  type ResponseEvents,
  type ResponseFields,
  type ResponseHead,
} from './h1-response-parser.ts';

/** Settings shared by the connections to one endpoint. */
export interface H1ConnectionSettings {
  readonly connect: UpstreamConnectOptions;
  readonly tracker: ConnectTracker | undefined;
  /** The Host of a request that has none: the endpoint's `address:port`. */
  readonly authority: string;
  readonly headersTimeoutMs: number;
  /** Longest gap between two response body chunks; 0 turns it off. */
  readonly bodyTimeoutMs: number;
  /** How long an idle connection is kept; an upstream's Keep-Alive hint may lower it. */
  readonly keepAliveTimeoutMs: number;
  readonly maxHeadBytes: number;
}

/** What a connection tells the pool that owns it. */
export interface ConnectionOwner {
  /** The connection finished an exchange and may carry another. */
  idle(connection: H1Connection): void;
  /** The connection is closed. */
  gone(connection: H1Connection): void;
  /** The TLS session the next connect resumes, if any (TLS only). */
  readonly tlsSession: Buffer | undefined;
  /** Keeps a TLS session an upstream issued, for the next connect to resume. */
  keepTlsSession(session: Buffer): void;
}

/** The code of the error an exchange fails with when its connection closes under it. */
export const UPSTREAM_CLOSED = 'PM_UPSTREAM_CLOSED';

// The upstream's Keep-Alive timeout is cut by this much, so that the proxy never sends a request
// on a connection the upstream is closing at that moment (undici's default margin).
const KEEP_ALIVE_MARGIN_MS = 2_000;

/**
 * One HTTP/1.1 connection to an upstream, carrying one exchange at a time (no pipelining). It
 * connects for the exchange that opened it, then serves the exchanges its owner gives it while
 * both sides keep it alive. A timer bounds the wait for the response head (from the request's
 * start); the socket's idle timer then bounds the gap between body chunks (stopped while the
 * handler holds the body back: a slow client is not a slow upstream), then, idle, the keep-alive
 * time. A connection that
 * an exchange failed on, whose response ran to the close, or that the upstream sent bytes on that
 * belong to no response, is closed rather than reused.
 */
export class H1Connection implements ResponseEvents, ExchangeLink {
  readonly #settings: H1ConnectionSettings;
  readonly #owner: ConnectionOwner;
  readonly #parser: ResponseParser;
  /** Used for one exchange only (a retry's fresh connection). */
  readonly #single: boolean;
  #socket: Socket | null = null;
  /** The socket while it connects, so that closing the connection can cut the connect short. */
  #connecting: Socket | null = null;
  #exchange: H1Exchange | null;
  #requestSent = false;
  #responseDone = false;
  #responseStarted = false;
  #keepAlive = false;
  #keepAliveMs: number;
  #closeAfter = false;
  /** Bounds the wait for a response head; reused (refreshed) from request to request. */
  #headTimer: NodeJS.Timeout | null = null;
  #headTimerMs = 0;
  #bodyTimeoutMs = 0;
  #closing = false;
  /** The upstream ended the connection while the handler held bytes back: told on resume. */
  #endPending = false;

  /** Connects for `exchange`; `single`: closes after it. */
  constructor(
    settings: H1ConnectionSettings,
    owner: ConnectionOwner,
    exchange: H1Exchange,
    single: boolean,
  ) {
    this.#settings = settings;
    this.#owner = owner;
    this.#exchange = exchange;
    this.#single = single;
    this.#keepAliveMs = settings.keepAliveTimeoutMs;
    this.#parser = new ResponseParser(this, { maxHeadBytes: settings.maxHeadBytes });
    const { connect } = settings;
    const session = connect.tls === undefined ? undefined : owner.tlsSession;
    const options =
      session === undefined ? connect : { ...connect, tls: { ...connect.tls, session } };
    try {
      this.#connecting = connectUpstream(options, settings.tracker, this.#onConnect);
      // Attached at once: a TLS 1.2 session is issued during the handshake.
      this.#connecting.on('session', this.#onSession);
    } catch (error) {
      this.#closing = true;
      this.#exchange = null;
      // Told later, as any connect failure is: the owner learns of the connection on return.
      queueMicrotask(() => {
        owner.gone(this);
        exchange.fail(error instanceof Error ? error : new Error(String(error)));
      });
    }
  }

  /** True while the connection can take an exchange. */
  get usable(): boolean {
    return (
      !this.#closing && this.#exchange === null && this.#socket !== null && !this.#socket.destroyed
    );
  }

  /** Runs `exchange` on this idle connection. */
  run(exchange: H1Exchange): void {
    const socket = this.#socket;
    if (socket === null) throw new Error('an H1Connection runs exchanges only once connected');
    this.#exchange = exchange;
    socket.ref();
    this.#begin(socket, exchange);
  }

  /**
   * Closes the connection. Without `error`, an exchange running on it (or waiting for its
   * connect) finishes first; with one, it fails with `error` at once.
   */
  close(error?: Error): void {
    this.#closing = true;
    const exchange = this.#exchange;
    if (error !== undefined) {
      this.#exchange = null;
      this.#connecting?.destroy();
      this.#socket?.destroy();
      exchange?.fail(error);
    } else if (exchange === null) {
      this.#socket?.destroy();
    }
  }

  readonly #onConnect = (error: Error | null, socket: Socket | null): void => {
    this.#connecting = null;
    const exchange = this.#exchange;
    if (error !== null || socket === null) {
      this.#closing = true;
      this.#exchange = null;
      this.#owner.gone(this);
      exchange?.fail(error ?? new Error('the upstream connect failed'));
      return;
    }
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('timeout', this.#onTimeout);
    socket.once('close', this.#onClose);
    if (exchange !== null && !exchange.done) {
      this.#begin(socket, exchange);
      return;
    }
    // The request left while the connect ran: the connection serves the next one.
    this.#exchange = null;
    if (this.#closing) socket.destroy();
    else this.#rest();
  };

  #begin(socket: Socket, exchange: H1Exchange): void {
    const { request } = exchange;
    let head;
    try {
      head = requestHead(request, this.#settings.authority);
    } catch (error) {
      // Nothing was written: the connection stays good for the next request.
      this.#exchange = null;
      this.#rest();
      exchange.fail(error as Error);
      return;
    }
    this.#requestSent = false;
    this.#responseDone = false;
    this.#responseStarted = false;
    this.#closeAfter = head.closeAfter || this.#single;
    this.#bodyTimeoutMs = request.bodyTimeout ?? this.#settings.bodyTimeoutMs;
    this.#parser.expect(request.method === 'HEAD');
    socket.setTimeout(0);
    this.#armHeadTimer(request.headersTimeout ?? this.#settings.headersTimeoutMs);
    exchange.send(socket, this, head);
  }

  #armHeadTimer(ms: number): void {
    if (ms <= 0) return;
    if (this.#headTimer !== null && this.#headTimerMs === ms) {
      this.#headTimer.refresh();
      return;
    }
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#headTimerMs = ms;
    // The busy socket keeps the process alive; the timer need not.
    this.#headTimer = setTimeout(this.#onHeadTimeout, ms).unref();
  }

  // Fires `ms` after the last request began: only a request still waiting for its head fails.
  readonly #onHeadTimeout = (): void => {
    if (this.#exchange !== null && !this.#responseStarted) {
      this.#failExchange(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT'));
    }
  };

  onHead(head: ResponseHead): void {
    this.#responseStarted = true;
    this.#keepAlive = head.keepAlive;
    const hint = head.keepAliveHintMs;
    const configured = this.#settings.keepAliveTimeoutMs;
    this.#keepAliveMs =
      hint === undefined ? configured : Math.min(configured, hint - KEEP_ALIVE_MARGIN_MS);
    if (this.#exchange?.paused !== true) this.#socket?.setTimeout(this.#bodyTimeoutMs);
    this.#exchange?.head(head);
  }

  onBody(chunk: Buffer): void {
    this.#exchange?.data(chunk);
  }

  onEnd(trailers: ResponseFields | undefined): void {
    this.#responseDone = true;
    this.#exchange?.end(trailers);
  }

  pauseReading(): void {
    this.#parser.hold();
    this.#socket?.pause();
    // A client that reads slowly is not the upstream being slow.
    this.#socket?.setTimeout(0);
  }

  resumeReading(): void {
    const socket = this.#socket;
    if (socket === null) return;
    const held = this.#parser.release();
    socket.resume();
    if (this.#responseStarted) socket.setTimeout(this.#bodyTimeoutMs);
    if (held !== null) this.#onData(held);
    if (this.#endPending && !this.#parser.holdsBytes) {
      this.#endPending = false;
      this.#endOfStream();
    }
  }

  requestSent(): void {
    this.#requestSent = true;
  }

  abandon(): void {
    this.#exchange = null;
    this.#closing = true;
    this.#parser.halt();
    this.#connecting?.destroy();
    this.#socket?.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    const exchange = this.#exchange;
    if (exchange === null) {
      // Bytes on an idle connection belong to no request: the connection's framing is lost.
      this.abandon();
      return;
    }
    let extra: number;
    try {
      extra = this.#parser.execute(chunk);
    } catch (error) {
      this.#failExchange(error as Error);
      return;
    }
    if (this.#responseDone && this.#exchange === exchange) this.#afterResponse(extra);
  };

  /** The response is complete: the connection rests for the next exchange, or closes. */
  #afterResponse(extra: number): void {
    this.#exchange = null;
    const reusable = this.#keepAlive && this.#keepAliveMs > 0 && this.#requestSent && extra === 0;
    if (!reusable || this.#closeAfter || this.#closing) {
      this.#closing = true;
      this.#socket?.destroy();
      return;
    }
    this.#rest();
  }

  #rest(): void {
    const socket = this.#socket;
    if (socket === null || this.#closing) return;
    socket.setTimeout(this.#keepAliveMs);
    socket.resume();
    // An idle connection does not keep the process alive.
    socket.unref();
    this.#owner.idle(this);
  }

  readonly #onEnd = (): void => {
    this.#closing = true;
    if (this.#parser.holdsBytes) this.#endPending = true;
    else this.#endOfStream();
  };

  #endOfStream(): void {
    const exchange = this.#exchange;
    // A body delimited by the close is complete now; anything else is cut short.
    if (exchange !== null && this.#parser.finish() && this.#responseDone) {
      this.#exchange = null;
      return;
    }
    this.#failExchange(
      upstreamClosedError('the upstream closed the connection before the response was complete'),
    );
  }

  readonly #onError = (error: Error): void => {
    this.#failExchange(error);
  };

  readonly #onTimeout = (): void => {
    if (this.#exchange === null) {
      this.abandon();
      return;
    }
    this.#failExchange(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT'));
  };

  readonly #onClose = (): void => {
    this.#closing = true;
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#owner.gone(this);
    // The bytes held back end the response, or fail it, once the handler resumes.
    if (this.#endPending) return;
    this.#failExchange(upstreamClosedError('the upstream connection closed'));
  };

  readonly #onSession = (session: Buffer): void => {
    this.#owner.keepTlsSession(session);
  };

  #failExchange(error: Error): void {
    const exchange = this.#exchange;
    this.#exchange = null;
    this.#closing = true;
    this.#parser.halt();
    this.#socket?.destroy();
    exchange?.fail(error);
  }
}

/** An error of code {@link UPSTREAM_CLOSED}. */
export function upstreamClosedError(message: string): Error {
  return Object.assign(new Error(message), { code: UPSTREAM_CLOSED });
}
