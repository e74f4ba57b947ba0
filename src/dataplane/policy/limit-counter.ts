import { LimitState } from './limit-state.ts';

/** One zone a request is counted in, by name: nginx's `limit_req zone=... burst=... nodelay`. */
export interface NamedZone {
  /** `namespace/name` of the Ingress and the kind of limit; the same on every worker. */
  readonly name: string;
  /** Requests per second the bucket drains at. */
  readonly perSecond: number;
  /** Requests over the rate let through at once. */
  readonly burst: number;
}

/** A slot of requests in flight to take: nginx's `limit_conn zone limit`. */
export interface HoldRequest {
  readonly zone: string;
  readonly limit: number;
}

/** Gives back a slot of requests in flight; runs once however often it is called. */
export type LimitRelease = () => void;

/**
 * The limits' answer for one request: refused by a rate (counted in no zone), refused by the
 * requests in flight (the rates counted, as nginx's limit_req before limit_conn), or admitted,
 * with the slot to give back when it ends (null when none was asked).
 */
export type Admission =
  | { readonly refused: 'rate' | 'connections' }
  | { readonly refused: null; readonly release: LimitRelease | null };

/** {@link Admission}s that carry nothing of their own. */
export const REFUSED_BY_RATE: Admission = Object.freeze({ refused: 'rate' });
export const REFUSED_BY_CONNECTIONS: Admission = Object.freeze({ refused: 'connections' });
export const ADMITTED: Admission = Object.freeze({ refused: null, release: null });

/**
 * Where the per-client limits (limit-rps, limit-rpm, limit-connections) are counted: in this
 * process ({@link LocalLimits}), or, with several workers, in one place all of them ask
 * (workers/shared-limits.ts), so that a client spread over workers gets the limit once, as
 * ingress-nginx's zones in shared memory. One call per request (one question to the shared
 * place); the answer is synchronous when it can be.
 */
export interface LimitCounter {
  /**
   * Counts a request in every zone of `zones` (refused, and counted in none, when one is over
   * its burst), then takes a slot of `hold` (refused when the client has its limit in flight,
   * or the table is full of held counts).
   */
  admit(
    client: Int32Array,
    zones: readonly NamedZone[],
    hold: HoldRequest | null,
  ): Admission | Promise<Admission>;
}

/** The limits counted in this process, in a {@link LimitState}: always synchronous. */
export class LocalLimits implements LimitCounter {
  readonly state: LimitState;

  constructor(state: LimitState = new LimitState()) {
    this.state = state;
  }

  admit(client: Int32Array, zones: readonly NamedZone[], hold: HoldRequest | null): Admission {
    const state = this.state;
    if (zones.length > 0) {
      const taken = state.takeRequest(
        client,
        zones.map((zone) => ({
          zone: state.zoneId(zone.name),
          perSecond: zone.perSecond,
          burst: zone.burst,
        })),
      );
      if (!taken) return REFUSED_BY_RATE;
    }
    if (hold === null) return ADMITTED;
    const release = state.acquire(state.zoneId(hold.zone), client, hold.limit);
    return release === undefined ? REFUSED_BY_CONNECTIONS : { refused: null, release };
  }

  /** Forgets every count (the proxies are closing). */
  clear(): void {
    this.state.clear();
  }
}
