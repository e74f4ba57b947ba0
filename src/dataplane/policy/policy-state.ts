import { AuthCache } from './external-auth-cache.ts';
import { AuthClients } from './external-auth-client.ts';
import { BasicAuthState } from './basic-auth-state.ts';
import { LocalLimits, type LimitCounter } from './limit-counter.ts';
import { HandshakeNames } from '../tls/index.ts';

/**
 * What the access gates of one proxy keep between requests: limit counters, the connection
 * pool and cache of external authentication, verified credentials. Created once per proxy,
 * bounded in size, and closed with it.
 */
export class PolicyState {
  /**
   * Per-client request rates and requests in flight (limit-*): the counter given (one for all
   * listeners of a process, or the workers' shared one), else this proxy's own, bounded
   * (limit-state.ts).
   */
  readonly limits: LimitCounter;
  /** The counter this state made itself, and so forgets when it closes. */
  readonly #ownLimits: LocalLimits | null;
  /** Hash workers and verified credentials of basic authentication (basic-auth-state.ts). */
  readonly basicAuth = new BasicAuthState();

  /** Connection pools to the auth services of auth-url, bounded (external-auth-client.ts). */
  readonly authClients = new AuthClients();
  /** Auth answers kept for auth-cache-duration, bounded (external-auth-cache.ts). */
  readonly authCache = new AuthCache();
  /** The SNI and certificate request of each open HTTPS connection (auth-tls-*), bounded by them. */
  readonly handshakes = new HandshakeNames();

  constructor(limits?: LimitCounter) {
    if (limits === undefined) {
      const own = new LocalLimits();
      this.#ownLimits = own;
      this.limits = own;
    } else {
      this.#ownLimits = null;
      this.limits = limits;
    }
  }

  /** Releases timers and connections; the proxy calls it when it closes. */
  close(): void {
    void this.authClients.close();
    this.authCache.clear();
    this.#ownLimits?.clear();
    this.basicAuth.close();
  }
}
