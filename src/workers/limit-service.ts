import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
// From its own file, not the dataplane's index: this thread needs the counter, not the proxy.
import { LocalLimits } from '../dataplane/policy/limit-counter.ts';
import {
  LineReader,
  parseQuestion,
  REFUSED_HOLD,
  REFUSED_RATE,
  type LimitQuestion,
} from './limit-wire.ts';

/** Options of {@link LimitService}. */
export interface LimitServiceOptions {
  /** What a worker must send first (hex); only the control plane and its workers know it. */
  readonly token: string;
  /** Where the counts live; a fresh {@link LocalLimits} when absent. */
  readonly limits?: LocalLimits;
  /** Why a connection was closed (bad token, bad line): for the control plane's log. */
  readonly onProblem?: (problem: string) => void;
}

/** Connections at once: a worker keeps one, so this only bounds a misbehaving local process. */
const MAX_CONNECTIONS = 1024;
/** How long a connection may stay without sending the token. */
const HELLO_TIMEOUT_MS = 2_000;
/** Requests in flight one worker may hold at once, over all clients and zones. */
const MAX_HOLDS = 1_000_000;

/**
 * The one place where the workers of a controller count limit-rps, limit-rpm and
 * limit-connections (`serve --workers N`), so that a client whose connections land on
 * different workers gets each limit once, as ingress-nginx's zones in shared memory across its
 * nginx workers. It answers the questions of limit-wire.ts on a Unix socket, counting in one
 * {@link LocalLimits}; a worker's slots in flight are given back when its connection closes.
 * It runs in a thread of the control plane (limit-thread.ts), so that a rebuild on the control
 * plane's own thread never keeps a worker waiting for an answer.
 */
export class LimitService {
  readonly #token: Buffer;
  readonly #limits: LocalLimits;
  readonly #onProblem: (problem: string) => void;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #nextHold = 1;

  constructor(options: LimitServiceOptions) {
    this.#token = Buffer.from(options.token, 'hex');
    this.#limits = options.limits ?? new LocalLimits();
    this.#onProblem = options.onProblem ?? (() => undefined);
    this.#server = createServer((socket) => {
      this.#serve(socket);
    });
    this.#server.maxConnections = MAX_CONNECTIONS;
  }

  /** Listens on a Unix socket (on Linux, a path starting with NUL is an abstract name). */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ path }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      for (const socket of this.#sockets) socket.destroy();
    });
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setEncoding('utf8');
    const holds = new Map<number, () => void>();
    let known = false;
    let corked = false;
    const drop = (problem: string): void => {
      reader.stop();
      this.#onProblem(problem);
      socket.destroy();
    };
    const answer = (id: number, value: number): void => {
      if (!corked) {
        // Answers to the questions of one read go out in one write.
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(`[${String(id)},${String(value)}]\n`);
    };
    const reader = new LineReader(
      (line) => {
        if (!known) {
          known = this.#knows(line);
          if (known) clearTimeout(hello);
          else drop('a connection did not send the token');
          return;
        }
        const question = parseQuestion(line);
        if (typeof question === 'string') drop(`a worker sent a bad line: ${question}`);
        else this.#answer(question, holds, answer);
      },
      () => {
        drop('a worker sent a line over the limit');
      },
    );
    const hello = setTimeout(() => {
      drop('a connection did not send the token in time');
    }, HELLO_TIMEOUT_MS);
    socket.on('data', (chunk: string) => {
      reader.push(chunk);
    });
    socket.on('error', () => {
      // The close that follows gives the holds back.
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
      clearTimeout(hello);
      reader.stop();
      for (const release of holds.values()) release();
      holds.clear();
    });
  }

  #knows(line: string): boolean {
    let sent: unknown;
    try {
      sent = JSON.parse(line);
    } catch {
      return false;
    }
    if (typeof sent !== 'string' || !/^[0-9a-f]*$/.test(sent)) return false;
    const given = Buffer.from(sent, 'hex');
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }

  #answer(
    question: LimitQuestion,
    holds: Map<number, () => void>,
    answer: (id: number, value: number) => void,
  ): void {
    if (question[1] === 'free') {
      const slot = question[2];
      holds.get(slot)?.();
      holds.delete(slot);
      return;
    }
    const [id] = question;
    const client = Int32Array.from(question[2]);
    const zones =
      question[1] === 'admit'
        ? question[3].map(([name, perSecond, burst]) => ({ name, perSecond, burst }))
        : [];
    const held: readonly [string, number] | null =
      question[1] === 'admit' ? question[4] : [question[3], question[4]];
    const hold =
      held === null || holds.size >= MAX_HOLDS ? null : { zone: held[0], limit: held[1] };
    if (held !== null && hold === null) {
      // Past this many slots for one worker, a slot is refused rather than counted.
      answer(id, REFUSED_HOLD);
      return;
    }
    const admission = this.#limits.admit(client, zones, hold);
    if (admission.refused !== null) {
      answer(id, admission.refused === 'rate' ? REFUSED_RATE : REFUSED_HOLD);
      return;
    }
    if (admission.release === null) {
      answer(id, 0);
      return;
    }
    const slot = this.#nextHold++;
    holds.set(slot, admission.release);
    answer(id, slot);
  }
}
