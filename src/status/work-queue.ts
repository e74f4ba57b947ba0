import type { Logger } from '../observability/index.ts';
import type { Clock, TimerHandle } from '../store/index.ts';
import { describeError } from './status-client.ts';

/** The object a key is about: what a log line about the key carries. */
export interface QueuedObject {
  readonly kind: string;
  /** `''` for a cluster-scoped object. */
  readonly namespace: string;
  readonly name: string;
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Brings one key up to date; a rejection retries the key after a backoff. */
  readonly process: (key: string) => Promise<void>;
  /**
   * The object a key is about, logged with the key. Null, and the default: the key alone.
   */
  readonly objectOf?: (key: string) => QueuedObject | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Keys processed at once. Default 4. */
  readonly concurrency?: number;
  /** First retry delay of a failing key, doubled per failure up to `maxBackoffMs`. Default 1 s. */
  readonly initialBackoffMs?: number;
  /** Default 60 s. */
  readonly maxBackoffMs?: number;
}

/**
 * A queue of keys, each processed by one function that reads the current desired state, so
 * adding a key that is already waiting does nothing (repeated updates of one Ingress coalesce
 * into one write), and a key added while it is being processed runs once more afterwards. One
 * key is never processed twice at once. Failures retry with a per-key exponential backoff.
 */
export class WorkQueue {
  readonly #process: (key: string) => Promise<void>;
  readonly #objectOf: (key: string) => QueuedObject | null;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #waiting = new Set<string>();
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #retries = new Map<string, TimerHandle>();
  readonly #idle: (() => void)[] = [];
  #closed = false;
  #pumping = false;

  constructor(options: WorkQueueOptions) {
    this.#process = options.process;
    this.#objectOf = options.objectOf ?? (() => null);
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency ?? 4;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  /** Keys waiting or being processed. */
  get size(): number {
    return this.#waiting.size + this.#running.size;
  }

  /** Queues `key` (now, even when a retry of it is scheduled). */
  add(key: string): void {
    if (this.#closed) return;
    const retry = this.#retries.get(key);
    if (retry !== undefined) this.#clock.clearTimeout(retry);
    this.#retries.delete(key);
    if (this.#running.has(key)) this.#dirty.add(key);
    else this.#waiting.add(key);
    this.#pump();
  }

  /** Drops every waiting key and scheduled retry; keys being processed finish. */
  clear(): void {
    this.#waiting.clear();
    this.#dirty.clear();
    this.#failures.clear();
    for (const timer of this.#retries.values()) this.#clock.clearTimeout(timer);
    this.#retries.clear();
    this.#settleIdle();
  }

  /** Resolves once nothing waits or runs (scheduled retries do not count). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking keys and resolves once the keys being processed are done. */
  async close(): Promise<void> {
    this.#closed = true;
    this.clear();
    await this.idle();
  }

  /** Starts work on a later microtask, so the caller finishes updating the desired state. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    queueMicrotask(() => {
      this.#pumping = false;
      this.#start();
    });
  }

  #start(): void {
    while (this.#running.size < this.#concurrency && this.#waiting.size > 0) {
      const key = this.#waiting.values().next().value as string;
      this.#waiting.delete(key);
      this.#running.add(key);
      void this.#run(key);
    }
  }

  async #run(key: string): Promise<void> {
    try {
      await this.#process(key);
      this.#failures.delete(key);
    } catch (error) {
      this.#retryLater(key, error);
    }
    this.#running.delete(key);
    if (this.#dirty.delete(key)) this.#waiting.add(key);
    this.#pump();
    this.#settleIdle();
  }

  #retryLater(key: string, error: unknown): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (failures - 1));
    const object = this.#objectOf(key);
    this.#logger.warn(
      { ...object, key, err: describeError(error), retryInMs: delay },
      'status update failed',
    );
    if (this.#closed) return;
    this.#retries.set(
      key,
      this.#clock.setTimeout(() => {
        this.#retries.delete(key);
        this.add(key);
      }, delay),
    );
  }

  #settleIdle(): void {
    if (this.size > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
/**
 * The Ingress a key of the status writer is about: it queues `s:namespace/name` (the Ingress's
 * status) and `e:namespace/name` (its Events), Ingresses only. Null for any other key.
 */
export function statusWriterObject(key: string): QueuedObject | null {
  const match = /^[se]:([^/]+)\/(.+)$/.exec(key);
  if (match === null) return null;
  const [, namespace = '', name = ''] = match;
  return { kind: 'Ingress', namespace, name };
}
