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

/** Gives back a slot of {@link LimitCounter.acquire}; runs once however often it is called. */
export type LimitRelease = () => void;

/**
 * Where the per-client limits (limit-rps, limit-rpm, limit-connections) are counted: in this
 * process ({@link LocalLimits}), or, with several workers, in one place all of them ask
 * (workers/shared-limits.ts), so that a client spread over workers gets the limit once, as
 * ingress-nginx's zones in shared memory. An answer is synchronous when it can be.
 */
export interface LimitCounter {
  /** Counts a request in every zone; false (counted in none) when one is over its burst. */
  takeRequest(client: Int32Array, zones: readonly NamedZone[]): boolean | Promise<boolean>;
  /**
   * Counts a request in flight in `zone`: undefined when the client has `limit` already (or
   * the table is full of held counts), else the release to call when the request ends.
   */
  acquire(
    zone: string,
    client: Int32Array,
    limit: number,
  ): LimitRelease | undefined | Promise<LimitRelease | undefined>;
}

/** The limits counted in this process, in a {@link LimitState}: always synchronous. */
export class LocalLimits implements LimitCounter {
  readonly state: LimitState;

  constructor(state: LimitState = new LimitState()) {
    this.state = state;
  }

  takeRequest(client: Int32Array, zones: readonly NamedZone[]): boolean {
    const state = this.state;
    return state.takeRequest(
      client,
      zones.map((zone) => ({
        zone: state.zoneId(zone.name),
        perSecond: zone.perSecond,
        burst: zone.burst,
      })),
    );
  }

  acquire(zone: string, client: Int32Array, limit: number): LimitRelease | undefined {
    return this.state.acquire(this.state.zoneId(zone), client, limit);
  }

  /** Forgets every count (the proxies are closing). */
  clear(): void {
    this.state.clear();
  }
}
