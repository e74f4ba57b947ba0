import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ADMITTED,
  LocalLimits,
  REFUSED_BY_CONNECTIONS,
  REFUSED_BY_RATE,
  type Admission,
  type HoldRequest,
  type LimitCounter,
  type LimitRelease,
  type NamedZone,
} from '../dataplane/index.ts';
import type { Logger } from '../observability/index.ts';
import type { LimitAddress } from './limit-host.ts';
import {
  admitLine,
  holdLine,
  LineReader,
  parseAnswer,
  REFUSED_HOLD,
  REFUSED_RATE,
} from './limit-wire.ts';

/** Options of {@link SharedLimits}. */
export interface SharedLimitsOptions {
  readonly address: LimitAddress;
  readonly logger: Logger;
  /** Where this worker counts while the service cannot answer; a fresh one when absent. */
  readonly local?: LocalLimits;
  /** How long a question waits for its answer before the connection counts as broken. */
  readonly answerTimeoutMs?: number;
}

const ANSWER_TIMEOUT_MS = 250;
/**
 * How long a refused `hold` waits before it asks once more. A slot is given back by a message
 * from the worker that served the request, sent as its answer goes out; a client that sends its
 * next request through another worker at once can get there first. Asking again a moment later
 * refuses only a client that really has its limit in flight.
 */
const RECHECK_REFUSAL_MS = 10;
const RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 2_000;
/** Questions waiting at once; past it a request is counted in this worker. */
const MAX_WAITING = 10_000;

interface Waiting {
  readonly since: number;
  /** The answer, or null: counted in this worker instead. */
  readonly settle: (answer: number | null) => void;
}

/**
 * A worker's {@link LimitCounter} with `serve --workers N`: each question goes to the shared
 * limit service in the control plane (limit-service.ts), so a client is limited once however
 * the kernel spreads its connections over the workers. The service answers within
 * microseconds; when it cannot (not connected yet, its thread restarting, no answer within
 * `answerTimeoutMs`), the worker counts in its own {@link LocalLimits}, says so in the log, and
 * connects again: a request is never refused or delayed for want of the service, and the
 * limits are then per worker, as without it, until it is back.
 */
export class SharedLimits implements LimitCounter {
  readonly #address: LimitAddress;
  readonly #logger: Logger;
  readonly #local: LocalLimits;
  readonly #timeoutMs: number;
  readonly #waiting = new Map<number, Waiting>();
  /** The connection questions go on: connected and the token sent. */
  #socket: Socket | null = null;
  #nextId = 1;
  #retryDelay = RETRY_DELAY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #corked = false;
  /** Who waits in {@link whenConnected}. */
  readonly #onConnect: ((connected: boolean) => void)[] = [];
  /** Whether requests are being counted here (logged once per outage). */
  #alone = false;
  #closed = false;

  constructor(options: SharedLimitsOptions) {
    this.#address = options.address;
    this.#logger = options.logger.child({ component: 'limits' });
    this.#local = options.local ?? new LocalLimits();
    this.#timeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  }

  /** Whether questions go to the service now (else they are counted in this worker). */
  get connected(): boolean {
    return this.#socket !== null;
  }

  /** Connects to the service (and again whenever the connection breaks, until closed). */
  connect(): void {
    if (this.#closed) return;
    const socket = connect({ path: this.#address.path });
    socket.setEncoding('utf8');
    const reader = new LineReader(
      (line) => {
        this.#answered(socket, line);
      },
      () => {
        socket.destroy(new Error('the limit service sent a line over the limit'));
      },
    );
    socket.on('connect', () => {
      socket.write(`${JSON.stringify(this.#address.token)}\n`);
      this.#socket = socket;
      this.#retryDelay = RETRY_DELAY_MS;
      this.#together();
      this.#sweeper ??= setInterval(() => {
        this.#sweep();
      }, this.#timeoutMs / 2).unref();
      for (const resolve of this.#onConnect.splice(0)) resolve(true);
    });
    socket.on('data', (chunk: string) => {
      reader.push(chunk);
    });
    socket.on('error', (error) => {
      this.#countAlone(error.message);
    });
    socket.on('close', () => {
      reader.stop();
      if (this.#socket === socket) this.#socket = null;
      // The service frees this connection's holds; what waits is counted here.
      for (const waiting of this.#waiting.values()) waiting.settle(null);
      this.#waiting.clear();
      if (this.#closed) return;
      this.#countAlone('connection closed');
      this.#retryTimer = setTimeout(() => {
        this.connect();
      }, this.#retryDelay).unref();
      this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_DELAY_MS);
    });
  }

  /**
   * Resolves true once connected (at once if connected now), false after `timeoutMs`: a worker
   * waits for it before it listens, so that its first requests are counted with the others'.
   */
  whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.#socket !== null) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.#onConnect.indexOf(done);
        if (index >= 0) this.#onConnect.splice(index, 1);
        this.#countAlone(`not connected within ${String(timeoutMs)} ms`);
        resolve(false);
      }, timeoutMs);
      const done = (connected: boolean): void => {
        clearTimeout(timer);
        resolve(connected);
      };
      this.#onConnect.push(done);
    });
  }

  /** Disconnects for good; later questions are counted in this worker. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#sweeper);
    this.#socket?.destroy();
    this.#socket = null;
    this.#local.clear();
  }

  admit(
    client: Int32Array,
    zones: readonly NamedZone[],
    hold: HoldRequest | null,
  ): Admission | Promise<Admission> {
    const socket = this.#usable();
    if (socket === null) return this.#local.admit(client, zones, hold);
    return this.#ask(socket, (id) => admitLine(id, client, zones, hold)).then((answer) => {
      if (answer === null) return this.#local.admit(client, zones, hold);
      if (answer === REFUSED_RATE) return REFUSED_BY_RATE;
      if (answer === REFUSED_HOLD && hold !== null) return this.#holdAgain(client, hold);
      return answer > 0 ? { refused: null, release: this.#releaseOf(socket, answer) } : ADMITTED;
    });
  }

  /** A slot refused: asked once more a moment later (the rates stay counted). */
  async #holdAgain(client: Int32Array, hold: HoldRequest): Promise<Admission> {
    await delay(RECHECK_REFUSAL_MS);
    const socket = this.#usable();
    const answer =
      socket === null
        ? null
        : await this.#ask(socket, (id) => holdLine(id, client, hold.zone, hold.limit));
    if (socket === null || answer === null) return this.#local.admit(client, [], hold);
    return answer > 0
      ? { refused: null, release: this.#releaseOf(socket, answer) }
      : REFUSED_BY_CONNECTIONS;
  }

  #usable(): Socket | null {
    if (this.#socket === null) return null;
    if (this.#waiting.size >= MAX_WAITING) {
      this.#countAlone('too many questions waiting');
      return null;
    }
    return this.#socket;
  }

  /** Sends a question; resolves with its answer, or null: count it in this worker instead. */
  #ask(socket: Socket, line: (id: number) => string): Promise<number | null> {
    return new Promise((resolve) => {
      const id = this.#nextId++;
      this.#waiting.set(id, { since: performance.now(), settle: resolve });
      this.#write(socket, line(id));
    });
  }

  /** A slot held in the service, given back by a `free` on the connection that took it. */
  #releaseOf(socket: Socket, hold: number): LimitRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // On a later connection the service has freed the slot already (with the old one).
      if (this.#socket !== socket) return;
      this.#write(socket, `[0,"free",${String(hold)}]`);
      // Out now, not at the end of this turn: the client has its answer already and may send
      // its next request through another worker, which should find the slot free.
      if (this.#corked) socket.uncork();
    };
  }

  #write(socket: Socket, line: string): void {
    if (!this.#corked) {
      // The questions of one turn of the event loop go out in one write.
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(`${line}\n`);
  }

  #answered(socket: Socket, line: string): void {
    const answer = parseAnswer(line);
    const waiting = answer === null ? undefined : this.#waiting.get(answer[0]);
    if (answer === null || waiting === undefined) {
      socket.destroy(new Error('the limit service sent an answer nobody asked for'));
      return;
    }
    this.#waiting.delete(answer[0]);
    this.#together();
    waiting.settle(answer[1]);
  }

  /** A question unanswered for the timeout: the service is stuck; connect again. */
  #sweep(): void {
    const first = this.#waiting.values().next();
    if (first.done === true || performance.now() - first.value.since < this.#timeoutMs) return;
    this.#socket?.destroy(
      new Error(`the limit service did not answer within ${String(this.#timeoutMs)} ms`),
    );
  }

  /** The service answers: say so if this worker was counting on its own. */
  #together(): void {
    if (!this.#alone) return;
    this.#alone = false;
    this.#logger.info('shared limits answer again');
  }

  #countAlone(reason: string): void {
    if (this.#alone || this.#closed) return;
    this.#alone = true;
    this.#logger.warn(
      { reason },
      'shared limits unreachable: this worker counts limit-* on its own until they answer',
    );
  }
}
