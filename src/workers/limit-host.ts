import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/index.ts';
import type { LimitThreadData, LimitThreadMessage } from './limit-thread.ts';

/** Where the workers reach the shared limit service, and what they must send first. */
export interface LimitAddress {
  /** A Unix socket's abstract name (starting with NUL): no file, nothing left behind. */
  readonly path: string;
  /** Hex; travels to the workers in their setup message, never on a command line. */
  readonly token: string;
}

const RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5_000;

/**
 * The control plane's side of the shared limit service: runs it in a thread
 * (limit-thread.ts) at a fresh abstract socket name, logs what it refuses, and starts it again
 * at the same name if the thread dies (the workers count in their own process meanwhile and
 * reconnect; workers/shared-limits.ts).
 */
export class LimitHost {
  readonly address: LimitAddress;
  readonly #logger: Logger;
  #thread: Worker | null = null;
  #closing = false;
  #restartDelay = RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(logger: Logger) {
    this.#logger = logger.child({ component: 'limits' });
    this.address = {
      path: `\0pointsman-limits-${String(process.pid)}-${randomBytes(8).toString('hex')}`,
      token: randomBytes(32).toString('hex'),
    };
  }

  /** Starts the service; resolves once it listens. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const data: LimitThreadData = this.address;
      const thread = new Worker(new URL('./limit-thread.ts', import.meta.url), {
        workerData: data,
      });
      // The control plane's lifecycle decides when the process ends, not this thread.
      thread.unref();
      this.#thread = thread;
      let listening = false;
      thread.on('message', (message: LimitThreadMessage) => {
        if (message.type === 'listening') {
          listening = true;
          this.#restartDelay = RESTART_DELAY_MS;
          resolve();
        } else {
          this.#logger.warn({ problem: message.problem }, 'shared limits refused a connection');
        }
      });
      thread.on('error', (error) => {
        if (!listening) reject(error instanceof Error ? error : new Error(String(error)));
        else this.#logger.error({ err: error }, 'shared limit service failed');
      });
      thread.on('exit', (code) => {
        if (this.#thread === thread) this.#thread = null;
        if (!listening) {
          reject(new Error(`shared limit service exited before listening (${String(code)})`));
          return;
        }
        if (this.#closing) return;
        this.#logger.warn(
          { exitCode: code, restartInMs: this.#restartDelay },
          'shared limit service stopped; workers count limits on their own until it is back',
        );
        this.#restartLater();
      });
    });
  }

  #restartLater(): void {
    this.#restartTimer = setTimeout(() => {
      this.start().catch((error: unknown) => {
        this.#logger.error({ err: error }, 'shared limit service cannot start again');
        if (!this.#closing) this.#restartLater();
      });
    }, this.#restartDelay);
    this.#restartTimer.unref();
    this.#restartDelay = Math.min(this.#restartDelay * 2, MAX_RESTART_DELAY_MS);
  }

  /** Stops the service for good. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    await this.#thread?.terminate();
    this.#thread = null;
  }
}
