import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PasswordScheme } from '../../ir/index.ts';
import type { HashAnswer, HashJob } from './hash-worker.ts';

/** How many hash workers, and how many checks may wait for them at most. */
export interface HashWorkersOptions {
  /** Worker threads, started on first use. */
  readonly threads: number;
  /** Checks in progress or waiting, over all threads: one more is refused, not queued. */
  readonly queueLimit: number;
}

/**
 * One thread per core beyond the first, at most two, so that a flood of checks always leaves a
 * core to the event loop; and 64 waiting checks: about a second of bcrypt work at htpasswd's
 * cost 5 on one thread.
 */
export const DEFAULT_HASH_WORKERS: HashWorkersOptions = {
  threads: Math.max(1, Math.min(2, availableParallelism() - 1)),
  queueLimit: 64,
};

interface Slot {
  readonly worker: Worker;
  readonly waiting: Map<number, { resolve(matches: boolean): void; reject(error: Error): void }>;
}

/**
 * A small pool of worker threads that check passwords against slow hashes (bcrypt,
 * MD5-crypt), so that a flood of wrong passwords costs hash workers, never the event loop that
 * serves every other request. The queue is bounded: past `queueLimit` checks, {@link check}
 * answers null at once and the gate refuses the request (503 PM_ERR_AUTH_BUSY) instead of
 * letting a backlog grow. Threads start on first use (a proxy without basic authentication never
 * starts one), do not keep the process alive, and a thread that dies is replaced on next use.
 */
export class HashWorkers {
  readonly #options: HashWorkersOptions;
  readonly #slots: (Slot | undefined)[] = [];
  #pending = 0;
  #nextId = 0;
  #closed = false;

  constructor(options: HashWorkersOptions = DEFAULT_HASH_WORKERS) {
    this.#options = options;
  }

  /** Checks in progress or waiting. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Whether `password` matches `hash`; null when the queue is full (or the pool closed). The
   * promise rejects only when the worker thread fails.
   */
  check(scheme: PasswordScheme, hash: string, password: Buffer): Promise<boolean> | null {
    if (this.#closed || this.#pending >= this.#options.queueLimit) return null;
    const slot = this.#leastBusy();
    const id = this.#nextId++;
    this.#pending++;
    return new Promise<boolean>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      const job: HashJob = { id, scheme, hash, password: new Uint8Array(password) };
      slot.worker.postMessage(job);
    }).finally(() => {
      this.#pending--;
    });
  }

  /** Stops the threads; waiting checks fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#slots
      .splice(0)
      .flatMap((slot) => (slot === undefined ? [] : [slot.worker]));
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #leastBusy(): Slot {
    let best: { slot: Slot; index: number } | null = null;
    for (let index = 0; index < this.#options.threads; index++) {
      const slot = this.#slots[index] ?? this.#start(index);
      if (best === null || slot.waiting.size < best.slot.waiting.size) best = { slot, index };
      if (slot.waiting.size === 0) break;
    }
    if (best === null) throw new Error('hash workers need at least one thread');
    return best.slot;
  }

  #start(index: number): Slot {
    const worker = new Worker(new URL('./hash-worker.ts', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, waiting: new Map() };
    worker.on('message', (answer: HashAnswer) => {
      const waiter = slot.waiting.get(answer.id);
      slot.waiting.delete(answer.id);
      waiter?.resolve(answer.matches);
    });
    const fail = (error: Error): void => {
      if (this.#slots[index] === slot) this.#slots[index] = undefined;
      for (const waiter of slot.waiting.values()) waiter.reject(error);
      slot.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      fail(new Error(`hash worker exited (${String(code)})`));
    });
    this.#slots[index] = slot;
    return slot;
  }
}
