import type { ConnectionOptions } from 'node:tls';
import type { ConnectTracker } from './connect-upstream.ts';
import {
  H1Connection,
  upstreamClosedError,
  type ConnectionOwner,
  type H1ConnectionSettings,
} from './h1-connection.ts';
import { H1Exchange } from './h1-exchange.ts';
import type { UpstreamDispatcher, UpstreamHandler, UpstreamRequest } from './protocol.ts';

/** Settings of the HTTP/1.1 connections to one endpoint. */
export interface H1OriginOptions {
  /** The endpoint's address (IPv6 without brackets) and port. */
  readonly hostname: string;
  readonly port: number;
  /** `address:port`, IPv6 in brackets: the Host of requests without one, the tracker's key. */
  readonly authority: string;
  /** TLS options (server name, verification); absent: plain TCP. */
  readonly tls?: ConnectionOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly responseHeadersTimeoutMs: number;
  /** Longest gap between two response body chunks; 0 turns it off. */
  readonly responseBodyTimeoutMs: number;
  /** How long an idle connection is kept for reuse (upstream hints may lower it). */
  readonly keepAliveTimeoutMs: number;
  /** Where connects in progress are registered (EndpointHealth); absent: none is. */
  readonly connects?: ConnectTracker | undefined;
}

/** The code of the error a request gets from an origin that is closed. */
export const ORIGIN_CLOSED = 'PM_UPSTREAM_ORIGIN_CLOSED';

// As Node's and undici's default limit on a response head; nginx's is smaller (4 or 8 KiB).
const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/**
 * HTTP/1.1 keep-alive connections to one endpoint, plain or TLS: a request takes the most
 * recently idle connection (so that few stay warm and the rest time out), or opens a new one,
 * with no limit on their number (as undici's Pool had none). Hand-written on node:net with
 * {@link H1Connection}, because against undici's Pool it takes less CPU per proxied request and
 * far less memory under load (docs/workers.md has the figures and the commands).
 */
export class H1Origin implements UpstreamDispatcher, ConnectionOwner {
  readonly #settings: H1ConnectionSettings;
  readonly #idle: H1Connection[] = [];
  readonly #all = new Set<H1Connection>();
  #closed = false;
  /** Settled once closed with no connection left; shared by every close() and destroy(). */
  readonly #allGone = Promise.withResolvers<undefined>();
  #tlsSession: Buffer | undefined;

  constructor(options: H1OriginOptions) {
    this.#settings = {
      connect: {
        hostname: options.hostname,
        port: options.port,
        endpoint: options.authority,
        tls: options.tls,
        timeoutMs: options.connectTimeoutMs,
      },
      tracker: options.connects,
      authority: options.authority,
      headersTimeoutMs: options.responseHeadersTimeoutMs,
      bodyTimeoutMs: options.responseBodyTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      maxHeadBytes: MAX_RESPONSE_HEAD_BYTES,
    };
  }

  /** Connections open (connecting, busy or idle). */
  get connections(): number {
    return this.#all.size;
  }

  get tlsSession(): Buffer | undefined {
    return this.#tlsSession;
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): boolean {
    const exchange = this.#start(request, handler);
    if (exchange === null) return false;
    let connection = this.#idle.pop();
    while (connection !== undefined && !connection.usable) connection = this.#idle.pop();
    if (connection === undefined) this.#open(exchange, false);
    else connection.run(exchange);
    return true;
  }

  /**
   * Sends one request on a new connection of its own, closed once the request is done: for
   * the retry after a pooled connection turned out to be closed, whose siblings may be as stale.
   */
  dispatchFresh(request: UpstreamRequest, handler: UpstreamHandler): boolean {
    const exchange = this.#start(request, handler);
    if (exchange === null) return false;
    this.#open(exchange, true);
    return true;
  }

  /** Lets running requests finish, then closes every connection. */
  async close(): Promise<void> {
    await this.#closeAll(undefined);
  }

  /** Closes every connection at once, failing the requests running on them. */
  async destroy(): Promise<void> {
    await this.#closeAll(upstreamClosedError('the connections to this upstream were closed'));
  }

  idle(connection: H1Connection): void {
    if (this.#closed) connection.close();
    else this.#idle.push(connection);
  }

  gone(connection: H1Connection): void {
    this.#all.delete(connection);
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    if (this.#closed && this.#all.size === 0) this.#allGone.resolve(undefined);
  }

  keepTlsSession(session: Buffer): void {
    this.#tlsSession = session;
  }

  /** The exchange for a request, its handler told; null when it ended already. */
  #start(request: UpstreamRequest, handler: UpstreamHandler): H1Exchange | null {
    const exchange = new H1Exchange(request, handler);
    exchange.start();
    if (exchange.done) return null;
    if (!this.#closed) return exchange;
    exchange.fail(
      Object.assign(new Error('the connections to this upstream are closed'), {
        code: ORIGIN_CLOSED,
      }),
    );
    return null;
  }

  #open(exchange: H1Exchange, single: boolean): void {
    this.#all.add(new H1Connection(this.#settings, this, exchange, single));
  }

  async #closeAll(error: Error | undefined): Promise<void> {
    this.#closed = true;
    if (this.#all.size === 0) this.#allGone.resolve(undefined);
    for (const connection of [...this.#all]) connection.close(error);
    await this.#allGone.promise;
  }
}
