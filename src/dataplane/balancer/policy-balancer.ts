import type { Backend, Endpoint, RouteBalance } from '../../ir/index.ts';
import type { Balancer } from './balancer.ts';
import { ConsistentHash } from './consistent-hash.ts';
import { Ewma } from './ewma.ts';
import { RoundRobin } from './round-robin.ts';
import { StickySessions } from './sticky-sessions.ts';

/** Options of {@link PolicyBalancer}: the clock (milliseconds) and randomness in [0, 1). */
export interface PolicyBalancerOptions {
  readonly now?: () => number;
  readonly random?: () => number;
  /** The secret of persistent session cookies (see {@link StickySessions}). */
  readonly sessionCookieKey?: Uint8Array;
}

/**
 * The proxy's balancer: round robin for routes without a policy (and for {@link pick}), peak
 * EWMA or consistent hashing for routes that ask for them. Each method keeps its own state per
 * backend, so two routes that share a backend with different policies do not disturb each
 * other, while latencies learned from either route's requests serve both.
 */
export class PolicyBalancer implements Balancer {
  readonly #roundRobin = new RoundRobin();
  readonly #ewma: Ewma;
  readonly #hash: ConsistentHash;
  readonly sticky: StickySessions;

  constructor(options: PolicyBalancerOptions = {}) {
    this.#ewma = new Ewma(options);
    this.#hash = new ConsistentHash(options.random === undefined ? {} : { random: options.random });
    const key = options.sessionCookieKey;
    this.sticky = new StickySessions(key === undefined ? {} : { key });
  }

  pick(backend: Backend): Endpoint | undefined {
    return this.#roundRobin.pick(backend);
  }

  pickFor(backend: Backend, balance: RouteBalance, key: string): Endpoint | undefined {
    if (balance.method === 'ewma') return this.#ewma.pick(backend);
    return this.#hash.pick(backend, key, balance.subsetSize);
  }

  observe(backend: Backend, endpoint: Endpoint, ms: number | null): void {
    this.#ewma.observe(backend, endpoint, ms);
  }

  retain(isLive: (backendId: string) => boolean): void {
    this.#roundRobin.retain(isLive);
    this.#ewma.retain(isLive);
    this.#hash.retain(isLive);
    this.sticky.retain(isLive);
  }
}
