import { connect, type ClientHttp2Session } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { ProxyError } from '../errors.ts';
import { originEndpoint, timeConnect } from './connect-channel.ts';
import { H2Exchange } from './h2-exchange.ts';
import type { UpstreamDispatcher, UpstreamHandler, UpstreamRequest } from './protocol.ts';

/** Settings of the HTTP/2 sessions to one endpoint. */
export interface H2OriginOptions {
  /** `http://10.0.0.1:50051` (cleartext, prior knowledge) or `https://...` (TLS, ALPN `h2`). */
  readonly origin: string;
  /** The SNI name for TLS; null sends none. */
  readonly servername: string | null;
  /** More TLS options (proxy-ssl: the CA to verify with, a client certificate). */
  readonly tls?: ConnectionOptions;
  readonly connectTimeoutMs: number;
  readonly responseHeadersTimeoutMs: number;
  readonly responseBodyTimeoutMs: number;
  /** An idle session (no stream open) is closed after this long; 0 keeps it. */
  readonly keepAliveTimeoutMs: number;
  /** Most sessions (TCP connections) to the endpoint; further streams share the least busy. */
  readonly maxSessions: number;
}

interface Slot {
  readonly session: ClientHttp2Session;
  /** Streams open on it. */
  streams: number;
  /** False once it is going away: no new stream goes to it. */
  usable: boolean;
}

// Streams per session before another session is opened (nghttp2 queues beyond the peer's limit).
const STREAMS_PER_SESSION = 100;

/**
 * HTTP/2 to one endpoint: a few multiplexed sessions, opened on demand, replaced when the
 * upstream sends GOAWAY or the connection drops, and closed when idle. Requests are streams
 * (see {@link H2Exchange}). Hand-written on node:http2 because undici 7 drops HTTP/2 response
 * trailers on the way to a handler, and gRPC's status travels in them.
 */
export class H2Origin implements UpstreamDispatcher {
  readonly #options: H2OriginOptions;
  readonly #authority: string;
  readonly #endpoint: { readonly hostname: string; readonly port: number };
  #slots: Slot[] = [];
  #closed = false;

  constructor(options: H2OriginOptions) {
    this.#options = options;
    this.#authority = new URL(options.origin).host;
    this.#endpoint = originEndpoint(options.origin);
  }

  /** Sessions open (connecting ones included). */
  get sessions(): number {
    return this.#slots.length;
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): boolean {
    const options = this.#options;
    const settings = {
      scheme: options.origin.startsWith('https:') ? ('https' as const) : ('http' as const),
      authority: this.#authority,
      headersTimeoutMs: request.headersTimeout ?? options.responseHeadersTimeoutMs,
      bodyTimeoutMs: request.bodyTimeout ?? options.responseBodyTimeoutMs,
    };
    if (this.#closed) {
      const error = new Error('the connections to this upstream are closed');
      new H2Exchange(request, handler, settings, ignore).refuse(
        Object.assign(error, { code: 'ERR_HTTP2_INVALID_SESSION' }),
      );
      return false;
    }
    const slot = this.#pick();
    slot.streams++;
    const exchange = new H2Exchange(request, handler, settings, () => {
      slot.streams--;
    });
    exchange.start(slot.session);
    return true;
  }

  /** Asks every session to finish its streams and close (GOAWAY); resolves once all are closed. */
  async close(): Promise<void> {
    await this.#closeAll('close');
  }

  /** Closes every session at once. */
  async destroy(): Promise<void> {
    await this.#closeAll('destroy');
  }

  async #closeAll(how: 'close' | 'destroy'): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async ({ session }) => {
        if (session.destroyed) return;
        const closed = new Promise<void>((resolve) => session.once('close', resolve));
        session[how]();
        await closed;
      }),
    );
  }

  #pick(): Slot {
    let best: Slot | undefined;
    let usable = 0;
    for (const slot of this.#slots) {
      if (!slot.usable || slot.session.destroyed || slot.session.closed) continue;
      usable++;
      if (slot.streams < STREAMS_PER_SESSION) return slot;
      if (best === undefined || slot.streams < best.streams) best = slot;
    }
    return best !== undefined && usable >= this.#options.maxSessions ? best : this.#connect();
  }

  #connect(): Slot {
    const { origin, servername, connectTimeoutMs, keepAliveTimeoutMs, tls: more } = this.#options;
    const tls = origin.startsWith('https:');
    const connected = timeConnect(this.#endpoint.hostname, this.#endpoint.port);
    const session = connect(origin, {
      settings: { enablePush: false },
      // Cluster certificates are rarely issued by a CA the proxy knows; ingress-nginx does not
      // verify them either by default, only with proxy-ssl-verify. See docs/tls.md.
      ...(tls
        ? {
            rejectUnauthorized: false,
            ...more,
            ALPNProtocols: ['h2'],
            servername: servername ?? '',
          }
        : {}),
    });
    const slot: Slot = { session, streams: 0, usable: true };
    this.#slots.push(slot);
    const timer = setTimeout(() => {
      session.destroy(new ProxyError('PM_ERR_UPSTREAM_CONNECT_TIMEOUT'));
    }, connectTimeoutMs);
    session.once('connect', () => {
      clearTimeout(timer);
      connected(true);
    });
    // Each stream reports its own failure; without a listener the error would end the process.
    session.on('error', ignore);
    session.once('goaway', () => {
      slot.usable = false;
    });
    session.once('close', () => {
      clearTimeout(timer);
      // Closed before it connected (refused, timed out, TLS failed): a failed connect.
      connected(false);
      slot.usable = false;
      this.#slots = this.#slots.filter((other) => other !== slot);
    });
    if (keepAliveTimeoutMs > 0) {
      session.setTimeout(keepAliveTimeoutMs, () => {
        if (slot.streams === 0) session.close();
      });
    }
    // Idle upstream sessions must not keep the process alive on their own.
    session.unref();
    return slot;
  }
}

function ignore(): void {
  // Failures are reported per stream.
}
