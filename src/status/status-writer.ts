import type { Logger } from '../observability/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../store/index.ts';
import {
  addressesOfService,
  canonicalAddresses,
  sameAddresses,
  type AddressSource,
} from './addresses.ts';
import { EventRecorder } from './event-recorder.ts';
import {
  ingressOutcomes,
  splitIngressKey,
  type RebuildOutcome,
  type Warning,
} from './ingress-outcomes.ts';
import { ingressStateOf } from './parse.ts';
import {
  describeError,
  StatusApiError,
  type IngressState,
  type InvolvedObject,
  type LoadBalancerAddress,
  type StatusClient,
} from './status-client.ts';
import { TokenBucket } from './token-bucket.ts';
import { statusWriterObject, WorkQueue } from './work-queue.ts';
import { DEFAULT_WRITE_RATE, workersFor } from './write-rate.ts';

/**
 * Defaults of {@link StatusWriterOptions}; the rate and burst are {@link DEFAULT_WRITE_RATE}'s,
 * the concurrency follows the rate ({@link workersFor}).
 */
export const STATUS_WRITER_DEFAULTS = {
  ...DEFAULT_WRITE_RATE,
  resyncMs: 60_000,
  addressRefreshMs: 10_000,
  maxConflictRetries: 5,
  component: 'pointsman',
} as const;

/** Options of {@link StatusWriter}. */
export interface StatusWriterOptions {
  readonly client: StatusClient;
  readonly addressSource: AddressSource;
  /**
   * The newest full Ingress seen by the watch (status and resourceVersion included), as raw
   * JSON; with it, Ingresses whose status is already right cost no request at all.
   */
  readonly lookupIngress?: (namespace: string, name: string) => unknown;
  readonly logger: Logger;
  /** `reportingInstance` of the Events: this replica's identity. */
  readonly identity: string;
  /** `source.component` of the Events. Default `pointsman`. */
  readonly component?: string;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
  /** API requests per second (token bucket rate). Default 100. */
  readonly requestsPerSecond?: number;
  /** Token bucket size. Default 200. */
  readonly burst?: number;
  /** Ingresses worked on at once. Default: enough for the rate ({@link workersFor}), 20 at 100/s. */
  readonly concurrency?: number;
  /** Every Ingress is checked again this often, to undo changes made by others. Default 60 s. */
  readonly resyncMs?: number;
  /** How often the `--publish-service` Service is read again. Default 10 s. */
  readonly addressRefreshMs?: number;
  /** Re-reads after a 409 before the Ingress is retried later. Default 5. */
  readonly maxConflictRetries?: number;
  /** Told how each write (status update, Event create or patch) ended, for metrics. */
  readonly onWrite?: (outcome: WriteOutcome) => void;
}

/** How one write to the API ended. */
export type WriteOutcome = 'ok' | 'conflict' | 'error';

/** What the writer has done, for logs and tests. */
export interface StatusWriterStats {
  readonly leading: boolean;
  readonly served: number;
  readonly addresses: readonly LoadBalancerAddress[] | null;
  readonly statusWrites: number;
  readonly events: number;
  readonly queued: number;
}

type EventWant = Warning | { readonly type: 'Accepted' };

const ACCEPTED_MESSAGE = 'The Ingress is accepted again; its routes are live.';

/** Thrown past the rate limiter once this replica no longer leads: the work is dropped. */
class NotLeading extends Error {}

/**
 * Publishes `status.loadBalancer.ingress` on the Ingresses we serve and records Warning Events
 * for the rejected ones and for those whose annotations are not all honoured, while this
 * replica leads. Each rebuild says which Ingresses are ours and live
 * ({@link StatusWriter.update}); only those that changed are queued, and every Ingress is
 * checked again each resync. Work is keyed by Ingress, so repeated changes coalesce; a write is
 * skipped when the status already matches; writes name the resourceVersion read and re-read on
 * a conflict; all requests pass a token bucket. An Ingress that stops being ours loses only the
 * addresses we published; Ingresses we never served are never written.
 */
export class StatusWriter {
  readonly #client: StatusClient;
  readonly #source: AddressSource;
  readonly #lookup: StatusWriterOptions['lookupIngress'];
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #bucket: TokenBucket;
  readonly #queue: WorkQueue;
  readonly #recorder: EventRecorder;
  readonly #resyncMs: number;
  readonly #refreshMs: number;
  readonly #maxConflictRetries: number;
  readonly #onWrite: (outcome: WriteOutcome) => void;
  #leading = false;
  #closed = false;
  #addresses: LoadBalancerAddress[] | null;
  readonly #published = new Set<string>();
  #ours: ReadonlySet<string> = new Set();
  readonly #served = new Set<string>();
  readonly #written = new Map<string, { readonly from: string; readonly state: IngressState }>();
  readonly #wanted = new Map<string, EventWant>();
  readonly #lastEvent = new Map<string, Warning | { readonly type: 'Normal' }>();
  #timers: TimerHandle[] = [];
  #refreshing: Promise<void> | null = null;
  #statusWrites = 0;
  #events = 0;

  constructor(options: StatusWriterOptions) {
    const d = STATUS_WRITER_DEFAULTS;
    this.#client = options.client;
    this.#source = options.addressSource;
    this.#lookup = options.lookupIngress;
    this.#logger = options.logger.child({ component: 'status' });
    this.#clock = options.clock ?? systemClock;
    this.#resyncMs = options.resyncMs ?? d.resyncMs;
    this.#refreshMs = options.addressRefreshMs ?? d.addressRefreshMs;
    this.#maxConflictRetries = options.maxConflictRetries ?? d.maxConflictRetries;
    this.#onWrite = options.onWrite ?? (() => undefined);
    const perSecond = options.requestsPerSecond ?? d.requestsPerSecond;
    this.#bucket = new TokenBucket({
      perSecond,
      burst: options.burst ?? d.burst,
      clock: this.#clock,
    });
    this.#queue = new WorkQueue({
      process: (key) => this.#process(key),
      objectOf: statusWriterObject,
      clock: this.#clock,
      logger: this.#logger,
      concurrency: options.concurrency ?? workersFor(perSecond),
    });
    this.#recorder = new EventRecorder({
      client: {
        createEvent: (event) => this.#callWrite(() => this.#client.createEvent(event)),
        patchEvent: (namespace, name, bump) =>
          this.#callWrite(() => this.#client.patchEvent(namespace, name, bump)),
      },
      component: options.component ?? d.component,
      instance: options.identity,
      ...(options.wallClock === undefined ? {} : { wallClock: options.wallClock }),
    });
    this.#addresses = null;
    if (this.#source.kind === 'static') this.#setAddresses([...this.#source.addresses]);
  }

  /** Counters and state. */
  stats(): StatusWriterStats {
    return {
      leading: this.#leading,
      served: this.#ours.size,
      addresses: this.#addresses,
      statusWrites: this.#statusWrites,
      events: this.#events,
      queued: this.#queue.size,
    };
  }

  /** Starts the resync (and Service refresh) timers. */
  start(): void {
    if (this.#timers.length > 0 || this.#closed) return;
    this.#every(this.#resyncMs, () => {
      this.#enqueueAll();
    });
    if (this.#source.kind === 'service') {
      this.#every(this.#refreshMs, () => {
        void this.refreshAddresses();
      });
    }
  }

  /** Told by the leader election; a new leader reads the Service and checks every Ingress. */
  setLeading(leading: boolean): void {
    if (this.#closed || leading === this.#leading) return;
    this.#leading = leading;
    if (!leading) {
      this.#queue.clear();
      return;
    }
    this.#enqueueAll();
    void this.refreshAddresses();
  }

  /** Takes a rebuild's results (call it after each rebuild, leader or not). */
  update(outcome: RebuildOutcome): void {
    const { served, warned } = ingressOutcomes(outcome);
    const previous = this.#ours;
    this.#ours = served;
    for (const key of served) this.#served.add(key);
    for (const key of served) if (!previous.has(key)) this.#enqueue('s', key);
    for (const key of previous) if (!served.has(key)) this.#enqueue('s', key);
    for (const [key, warning] of warned) {
      if (!sameWant(this.#wanted.get(key), warning)) this.#want(key, warning);
    }
    for (const key of served) {
      if (!warned.has(key) && this.#wanted.get(key)?.type === 'Warning') {
        this.#want(key, { type: 'Accepted' });
      }
    }
    for (const key of [...this.#wanted.keys()]) {
      if (!served.has(key) && !warned.has(key)) this.#forgetEvents(key);
    }
  }

  /** Reads the `--publish-service` Service again; queues every Ingress when its address changed. */
  refreshAddresses(): Promise<void> {
    if (this.#source.kind !== 'service' || !this.#leading) return Promise.resolve();
    this.#refreshing ??= this.#readService(this.#source).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Resolves once no work is queued or running (retries scheduled for later do not count). */
  async idle(): Promise<void> {
    await this.#refreshing;
    await this.#queue.idle();
  }

  /** Stops all work; resolves once the requests in flight have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#leading = false;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers = [];
    this.#bucket.releaseAll();
    await this.#refreshing;
    await this.#queue.close();
  }

  async #readService(source: { namespace: string; name: string }): Promise<void> {
    try {
      const service = await this.#call(() =>
        this.#client.getService(source.namespace, source.name),
      );
      if (service === null) {
        this.#logger.warn(
          { kind: 'Service', namespace: source.namespace, name: source.name },
          'the --publish-service Service does not exist',
        );
        return;
      }
      this.#setAddresses(addressesOfService(service));
    } catch (error) {
      if (error instanceof NotLeading) return;
      this.#logger.warn(
        {
          kind: 'Service',
          namespace: source.namespace,
          name: source.name,
          err: describeError(error),
        },
        'cannot read --publish-service',
      );
    }
  }

  #setAddresses(addresses: LoadBalancerAddress[]): void {
    const next = canonicalAddresses(addresses);
    if (this.#addresses !== null && sameAddresses(this.#addresses, next)) return;
    this.#addresses = next;
    for (const address of next) this.#published.add(addressKey(address));
    this.#logger.info({ addresses: next }, 'publishing this address on our Ingresses');
    for (const key of this.#ours) this.#enqueue('s', key);
  }

  #want(key: string, want: EventWant): void {
    this.#wanted.set(key, want);
    this.#enqueue('e', key);
  }

  #forgetEvents(key: string): void {
    this.#wanted.delete(key);
    this.#lastEvent.delete(key);
  }

  #enqueueAll(): void {
    for (const key of this.#served) this.#enqueue('s', key);
    for (const key of this.#wanted.keys()) this.#enqueue('e', key);
  }

  #enqueue(kind: 's' | 'e', key: string): void {
    if (this.#leading) this.#queue.add(`${kind}:${key}`);
  }

  #every(ms: number, run: () => void): void {
    const index = this.#timers.length;
    const tick = (): void => {
      if (this.#closed) return;
      if (this.#leading) run();
      this.#timers[index] = this.#clock.setTimeout(tick, ms);
    };
    this.#timers.push(this.#clock.setTimeout(tick, ms));
  }

  /** One API request: waits for a token, then goes only if this replica still leads. */
  async #call<T>(request: () => Promise<T>): Promise<T> {
    await this.#bucket.take();
    if (!this.#leading) throw new NotLeading('no longer the leader');
    return request();
  }

  /** A write: counted by outcome. */
  async #callWrite<T>(request: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.#call(request);
    } catch (error) {
      if (!(error instanceof NotLeading)) {
        this.#onWrite(error instanceof StatusApiError && error.conflict ? 'conflict' : 'error');
      }
      throw error;
    }
    this.#onWrite('ok');
    return result;
  }

  async #process(item: string): Promise<void> {
    const key = item.slice(2);
    try {
      if (item.startsWith('s:')) await this.#syncStatus(key);
      else await this.#syncEvent(key);
    } catch (error) {
      if (!(error instanceof NotLeading)) throw error;
    }
  }

  /** The addresses an Ingress should carry given what it carries now; null: leave it alone. */
  #desired(key: string, current: IngressState): readonly LoadBalancerAddress[] | null {
    if (this.#ours.has(key)) return this.#addresses;
    if (!this.#served.has(key)) return null;
    return current.addresses.filter((address) => !this.#published.has(addressKey(address)));
  }

  async #syncStatus(key: string): Promise<void> {
    const { namespace, name } = splitIngressKey(key);
    let current: IngressState | null | undefined = this.#cached(key, namespace, name);
    for (let attempt = 0; attempt <= this.#maxConflictRetries; attempt++) {
      if (!this.#leading || (!this.#ours.has(key) && !this.#served.has(key))) return;
      current ??= await this.#call(() => this.#client.getIngress(namespace, name));
      if (current === null) {
        this.#forgetIngress(key);
        return;
      }
      const desired = this.#desired(key, current);
      if (desired === null) return;
      if (!sameAddresses(current.addresses, desired)) {
        try {
          current = await this.#write(key, current, desired);
        } catch (error) {
          if (!(error instanceof StatusApiError) || !(error.conflict || error.notFound))
            throw error;
          current = error.notFound ? null : undefined;
          continue;
        }
      }
      if (!this.#ours.has(key)) this.#served.delete(key);
      return;
    }
    throw new Error(`the status of ${key} kept conflicting`);
  }

  async #write(
    key: string,
    current: IngressState,
    desired: readonly LoadBalancerAddress[],
  ): Promise<IngressState> {
    const state = await this.#callWrite(() =>
      this.#client.updateIngressStatus(current, canonicalAddresses(desired)),
    );
    this.#written.set(key, { from: current.resourceVersion, state });
    this.#statusWrites += 1;
    this.#logger.debug(
      { kind: 'Ingress', ...splitIngressKey(key), addresses: desired },
      'Ingress status written',
    );
    return state;
  }

  /** The watch's copy, unless it predates our own last write (the watch lags behind). */
  #cached(key: string, namespace: string, name: string): IngressState | undefined {
    const state = this.#lookup === undefined ? null : ingressStateOf(this.#lookup(namespace, name));
    if (state === null) return undefined;
    const written = this.#written.get(key);
    if (written === undefined) return state;
    if (written.from === state.resourceVersion) return written.state;
    this.#written.delete(key);
    return state;
  }

  #forgetIngress(key: string): void {
    this.#served.delete(key);
    this.#written.delete(key);
    this.#forgetEvents(key);
  }

  async #syncEvent(key: string): Promise<void> {
    const want = this.#wanted.get(key);
    const last = this.#lastEvent.get(key);
    if (!this.#leading || want === undefined) return;
    if (want.type === 'Warning' && sameWant(last, want)) return;
    if (want.type === 'Accepted' && last?.type !== 'Warning') return;
    const involved = await this.#involved(key);
    if (involved === null) {
      this.#forgetIngress(key);
      return;
    }
    if (want.type === 'Warning') await this.#recorder.record({ involved, ...want });
    else {
      await this.#recorder.record({
        involved,
        type: 'Normal',
        reason: 'Accepted',
        message: ACCEPTED_MESSAGE,
      });
    }
    this.#events += 1;
    this.#lastEvent.set(key, want.type === 'Warning' ? want : { type: 'Normal' });
  }

  /** The Ingress as an Event's `involvedObject` (its uid is what `kubectl describe` matches). */
  async #involved(key: string): Promise<InvolvedObject | null> {
    const { namespace, name } = splitIngressKey(key);
    const state =
      this.#cached(key, namespace, name) ??
      (await this.#call(() => this.#client.getIngress(namespace, name)));
    if (state === null) return null;
    return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name, uid: state.uid };
  }
}

function addressKey(address: LoadBalancerAddress): string {
  return `${address.ip ?? ''}|${address.hostname ?? ''}`;
}

function sameWant(a: EventWant | { readonly type: 'Normal' } | undefined, b: Warning): boolean {
  return a?.type === 'Warning' && a.reason === b.reason && a.message === b.message;
}
