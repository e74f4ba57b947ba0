import type { Logger } from '../observability/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../store/index.ts';
import {
  describeError,
  StatusApiError,
  type Lease,
  type LeaseSpec,
  type StatusClient,
} from './status-client.ts';

/** client-go's defaults (and ingress-nginx's, and Contour's). */
export const ELECTION_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;

/** client-go waits a retry period plus up to this share of it again between acquire attempts. */
const JITTER_FACTOR = 1.2;

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  readonly client: Pick<StatusClient, 'getLease' | 'createLease' | 'updateLease'>;
  /** Where the Lease lives, and its name (`--election-id`). */
  readonly namespace: string;
  readonly name: string;
  /** This replica's name in `holderIdentity`; unique among the replicas. */
  readonly identity: string;
  /** How long others wait after they last saw the Lease change before taking it. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps acting without a successful renewal. */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. */
  readonly retryPeriodMs?: number;
  readonly logger: Logger;
  /** Expiry is judged on this (monotonic) clock. Default: the system clock. */
  readonly clock?: Clock;
  /** Wall-clock milliseconds for the times written into the Lease. Default `Date.now`. */
  readonly wallClock?: () => number;
  /** For the acquire jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  /** Told each time another holder is observed (`''`: the lease was released). */
  readonly onNewLeader?: (identity: string) => void;
}

/** The Lease's time format: RFC 3339 with microseconds (the API's MicroTime). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** Why the timings cannot work together (client-go's checks), or null when they can. */
export function checkElectionTimings(timings: {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}): string | null {
  if (!(timings.retryPeriodMs > 0)) return 'the retry period must be positive';
  if (timings.renewDeadlineMs <= JITTER_FACTOR * timings.retryPeriodMs) {
    return 'the renew deadline must be longer than 1.2 times the retry period';
  }
  if (timings.leaseDurationMs <= timings.renewDeadlineMs) {
    return 'the lease duration must be longer than the renew deadline';
  }
  if (timings.leaseDurationMs < 1000) return 'the lease duration must be at least 1s';
  return null;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, by client-go's LeaseLock rules: a replica
 * takes the Lease when nobody holds it, or when its record has not changed for the holder's
 * lease duration (judged on this replica's own clock from when it saw the record change, so
 * clocks need not agree); writes are PUTs naming the resourceVersion read, so of two replicas
 * racing only one wins (409 for the other). The leader renews every retry period and stops
 * leading the moment renewals have failed for the renew deadline (or another holder shows up),
 * before anyone else may take over. {@link LeaderElector.stop} releases the Lease, so a
 * successor takes over at once instead of after the lease duration.
 */
export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #wallClock: () => number;
  readonly #random: () => number;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  #running = false;
  #leading = false;
  #attempt: Promise<void> | null = null;
  #nextTry: TimerHandle | null = null;
  #deadline: TimerHandle | null = null;
  #lease: Lease | null = null;
  #observedKey = '';
  #observedAt = 0;
  #leader = '';
  #lastRefusal = '';

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'leader-election' });
    this.#clock = options.clock ?? systemClock;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#leaseDurationMs = options.leaseDurationMs ?? ELECTION_DEFAULTS.leaseDurationMs;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? ELECTION_DEFAULTS.renewDeadlineMs;
    this.#retryPeriodMs = options.retryPeriodMs ?? ELECTION_DEFAULTS.retryPeriodMs;
    const problem = checkElectionTimings({
      leaseDurationMs: this.#leaseDurationMs,
      renewDeadlineMs: this.#renewDeadlineMs,
      retryPeriodMs: this.#retryPeriodMs,
    });
    if (problem !== null) throw new RangeError(problem);
  }

  /** Whether this replica leads now. */
  get leading(): boolean {
    return this.#leading;
  }

  /** The holder last seen in the Lease (`''`: nobody, or not read yet). */
  get leader(): string {
    return this.#leader;
  }

  /** Starts trying to acquire the Lease (at once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#logger.info(
      {
        lease: `${this.#options.namespace}/${this.#options.name}`,
        identity: this.#options.identity,
      },
      'trying to acquire the leader lease',
    );
    this.#tryNow();
  }

  /**
   * Stops: no more attempts, leadership given up (onStoppedLeading first), and, when
   * `release` (the default) and this replica held the Lease, the Lease released.
   */
  async stop(options: { readonly release?: boolean } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#clearTimer('next');
    const wasLeading = this.#leading;
    this.#stopLeading('shutting down');
    await this.#attempt;
    if ((options.release ?? true) && wasLeading) await this.#release();
  }

  #tryNow(): void {
    this.#nextTry = null;
    if (!this.#running) return;
    const sentAt = this.#clock.now();
    this.#attempt = this.#tryAcquireOrRenew().then((held) => {
      this.#attempt = null;
      if (this.#running) this.#afterAttempt(held, sentAt);
    });
  }

  #afterAttempt(held: boolean, sentAt: number): void {
    // A renewal that took longer than the deadline cannot extend it: others may be counting.
    if (held && this.#clock.now() - sentAt < this.#renewDeadlineMs) {
      this.#armDeadline(sentAt);
      if (!this.#leading) {
        this.#leading = true;
        this.#logger.info({ identity: this.#options.identity }, 'became the leader');
        this.#options.onStartedLeading?.();
      }
    } else if (this.#leading && this.#leader !== this.#options.identity) {
      this.#stopLeading(`the lease is held by ${this.#leader}`);
    }
    const jitter = this.#leading ? 0 : this.#random() * JITTER_FACTOR * this.#retryPeriodMs;
    this.#nextTry = this.#clock.setTimeout(() => {
      this.#tryNow();
    }, this.#retryPeriodMs + jitter);
  }

  /** The renew deadline counts from when the last successful renewal was sent. */
  #armDeadline(sentAt: number): void {
    this.#clearTimer('deadline');
    const remaining = sentAt + this.#renewDeadlineMs - this.#clock.now();
    this.#deadline = this.#clock.setTimeout(
      () => {
        this.#deadline = null;
        this.#stopLeading('the lease was not renewed within the renew deadline');
      },
      Math.max(0, remaining),
    );
  }

  #stopLeading(why: string): void {
    this.#clearTimer('deadline');
    if (!this.#leading) return;
    this.#leading = false;
    this.#logger.warn({ identity: this.#options.identity, why }, 'stopped leading');
    this.#options.onStoppedLeading?.();
  }

  /** One attempt: true when this replica holds the Lease afterwards. Never rejects. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.#options;
    try {
      const lease = await client.getLease(namespace, name);
      const now = microTime(this.#wallClock());
      if (lease === null) {
        const created = await client.createLease(namespace, name, this.#spec(null, now));
        this.#observe(created);
        this.#lastRefusal = '';
        return true;
      }
      this.#observe(lease);
      const { holderIdentity, leaseDurationSeconds } = lease.spec;
      const expiresAt = this.#observedAt + leaseDurationSeconds * 1000;
      if (holderIdentity !== '' && holderIdentity !== identity && expiresAt > this.#clock.now()) {
        return false;
      }
      const updated = await client.updateLease(lease, this.#spec(lease.spec, now));
      this.#observe(updated);
      this.#lastRefusal = '';
      return true;
    } catch (error) {
      this.#logAttemptFailure(error);
      return false;
    }
  }

  /**
   * A failed attempt is routine (a conflict with the other replicas, an API server restarting)
   * and logged at debug, except a refusal (401/403): RBAC that does not grant the Lease named by
   * --election-id means this replica never leads, so that is a warning, once per distinct message.
   */
  #logAttemptFailure(error: unknown): void {
    const refused =
      error instanceof StatusApiError && (error.status === 401 || error.status === 403);
    const err = describeError(error);
    if (!refused) {
      this.#logger.debug({ err }, 'lease attempt failed');
      return;
    }
    if (err === this.#lastRefusal) return;
    this.#lastRefusal = err;
    const { namespace, name } = this.#options;
    this.#logger.warn(
      { kind: 'Lease', namespace, name, err },
      'the API server refused the leader Lease; this replica cannot lead (check the Role and --election-id)',
    );
  }

  /** The spec that makes this replica the holder: a renewal keeps the acquire time. */
  #spec(previous: LeaseSpec | null, now: string): LeaseSpec {
    const durationSeconds = Math.ceil(this.#leaseDurationMs / 1000);
    if (previous !== null && previous.holderIdentity === this.#options.identity) {
      return { ...previous, leaseDurationSeconds: durationSeconds, renewTime: now };
    }
    return {
      holderIdentity: this.#options.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: previous === null ? 0 : previous.leaseTransitions + 1,
    };
  }

  /** Expiry is measured from when this replica saw the record change, on its own clock. */
  #observe(lease: Lease): void {
    this.#lease = lease;
    const key = JSON.stringify(lease.spec);
    if (key !== this.#observedKey) {
      this.#observedKey = key;
      this.#observedAt = this.#clock.now();
    }
    if (lease.spec.holderIdentity !== this.#leader) {
      this.#leader = lease.spec.holderIdentity;
      if (this.#leader !== this.#options.identity) this.#options.onNewLeader?.(this.#leader);
    }
  }

  /** client-go's ReleaseOnCancel: no holder, and a lease of one second. */
  async #release(): Promise<void> {
    const lease = this.#lease;
    if (lease?.spec.holderIdentity !== this.#options.identity) return;
    const now = microTime(this.#wallClock());
    const spec: LeaseSpec = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: lease.spec.leaseTransitions,
    };
    try {
      this.#observe(await this.#options.client.updateLease(lease, spec));
      this.#logger.info({ identity: this.#options.identity }, 'released the leader lease');
    } catch (error) {
      this.#logger.warn({ err: describeError(error) }, 'could not release the leader lease');
    }
  }

  #clearTimer(which: 'next' | 'deadline'): void {
    const timer = which === 'next' ? this.#nextTry : this.#deadline;
    if (timer !== null) this.#clock.clearTimeout(timer);
    if (which === 'next') this.#nextTry = null;
    else this.#deadline = null;
  }
}
