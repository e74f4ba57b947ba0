import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { EndpointHealthEntry } from '../dataplane/index.ts';
import {
  NO_ACCESS_MATERIALS,
  TableEncoder,
  type AccessMaterials,
  type Certificates,
  type RouteTable,
  type TableMaterials,
  type UpstreamTlsMaterials,
} from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';
import type { FromWorker, ToWorker, TrafficCount, WorkerSetup } from './protocol.ts';
import { workerExecArgv } from './worker-flags.ts';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  readonly count: number;
  /** The setup of every worker but its index; the ports are the configured ones. */
  readonly setup: Omit<WorkerSetup, 'index'>;
  /** The worker's entry module (bin/pointsman-worker.js, which loads cli/worker-process.ts). */
  readonly entry: string;
  readonly logger: Logger;
  /** Access log lines of a worker, whole. */
  readonly onLog: (text: string) => void;
  /** Traffic counts of a worker. */
  readonly onTraffic: (counts: readonly TrafficCount[]) => void;
  /** Backoff before a dead worker's replacement starts; doubles while they keep dying. */
  readonly restartDelayMs?: number;
}

/** One worker's answer to {@link WorkerPool.collect}. */
export interface WorkerReport {
  readonly index: number;
  readonly metrics: readonly object[] | null;
  readonly health: readonly EndpointHealthEntry[];
}

interface Slot {
  readonly index: number;
  child: ChildProcess | null;
  /** The sequence number of the last table this worker applied; 0: none. */
  applied: number;
  listening: boolean;
  health: readonly EndpointHealthEntry[];
}

interface LiveWaiter {
  readonly sequence: number;
  readonly resolve: () => void;
}

interface Latest {
  readonly sequence: number;
  readonly table: RouteTable;
  readonly materials: TableMaterials;
}

const COLLECT_TIMEOUT_MS = 2_000;
const MAX_RESTART_DELAY_MS = 10_000;
/** Deaths this close together count as one crash loop for the backoff. */
const CRASH_WINDOW_MS = 60_000;
/** Deaths per worker within {@link CRASH_WINDOW_MS} that make the pool not live. */
const CRASH_LOOP_DEATHS = 5;

/**
 * The control plane's side of the data-plane workers (`serve --workers N`): it forks them,
 * feeds them every table (as deltas, see ir/table-transfer.ts), knows which table each one has
 * applied, collects their metrics and passive health, and starts a worker again when one dies.
 * The first worker binds the configured ports (perhaps 0: a free one); the others, and any
 * replacement, bind the same ones with SO_REUSEPORT, so the kernel spreads connections over the
 * workers and a dead one costs only its own connections. A worker listens only after it has
 * applied the latest table. It is the control loop's TableSink.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #logger: Logger;
  readonly #slots: Slot[] = [];
  #latest: Latest | null = null;
  /**
   * Encodes each table once for all workers: a worker that was sent the latest table holds
   * exactly what this encoder remembers, whether it got every table or, started later, only
   * that one in full.
   */
  #encoder = new TableEncoder();
  #ports: { http: number; https: number | null } | null = null;
  #liveWaiters: LiveWaiter[] = [];
  #collects = new Map<number, (report: WorkerReport | null) => void>();
  #nextCollect = 1;
  #restarts = 0;
  #deaths: number[] = [];
  #closing = false;

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new RangeError(`worker count must be a positive integer, got ${String(options.count)}`);
    }
    this.#options = options;
    this.#logger = options.logger.child({ component: 'workers' });
  }

  /**
   * Starts every worker; resolves with the bound addresses once all listen (each after
   * applying the latest table, so call it after the first swap).
   */
  async start(): Promise<{ http: AddressInfo; https: AddressInfo | null }> {
    const first = await this.#spawn(0);
    this.#ports = { http: first.http.port, https: first.https?.port ?? null };
    await Promise.all(
      Array.from({ length: this.#options.count - 1 }, (_, i) => this.#spawn(i + 1)),
    );
    return first;
  }

  /** Workers running now. */
  get running(): number {
    return this.#slots.filter((slot) => slot.child !== null && slot.listening).length;
  }

  /**
   * False while the workers keep dying: more deaths within a minute than 5 per worker. The
   * probe listener's `/healthz` says so, and the kubelet restarts the Pod.
   */
  get live(): boolean {
    const now = Date.now();
    const recent = this.#deaths.filter((at) => now - at < CRASH_WINDOW_MS).length;
    return recent <= CRASH_LOOP_DEATHS * this.#options.count;
  }

  /** Workers that died and were started again since the start. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Sends the table to every worker; false when its version is the last one sent. */
  swap(
    table: RouteTable,
    certificates: Certificates = new Map(),
    upstreamTls: UpstreamTlsMaterials = new Map(),
    access: AccessMaterials = NO_ACCESS_MATERIALS,
  ): boolean {
    if (this.#latest?.table.version === table.version) return false;
    this.#latest = {
      sequence: (this.#latest?.sequence ?? 0) + 1,
      table,
      materials: { certificates, upstreamTls, access },
    };
    const message: ToWorker = {
      type: 'table',
      sequence: this.#latest.sequence,
      table: this.#encoder.encode(table, this.#latest.materials),
    };
    for (const slot of this.#slots) if (slot.child !== null) this.#post(slot.child, message);
    return true;
  }

  /**
   * Resolves once every running worker has applied the last table swapped in (or a later one).
   * A worker started after the swap gets that table before it listens, so it never counts as
   * behind.
   */
  whenLive(): Promise<void> {
    const sequence = this.#latest?.sequence ?? 0;
    return new Promise((resolve) => {
      this.#liveWaiters.push({ sequence, resolve });
      this.#settleWaiters();
    });
  }

  /** Every running worker's metrics and passive health (a worker that does not answer in 2 s is left out). */
  async collect(): Promise<WorkerReport[]> {
    const asked = this.#slots.filter((slot) => slot.child !== null && slot.listening);
    const reports = await Promise.all(asked.map((slot) => this.#collectFrom(slot)));
    return reports.filter((report) => report !== null);
  }

  /** The passive health the workers last reported, one entry per endpoint (the worst). */
  health(): EndpointHealthEntry[] {
    const byEndpoint = new Map<string, EndpointHealthEntry>();
    for (const slot of this.#slots) {
      for (const entry of slot.health) {
        const known = byEndpoint.get(entry.endpoint);
        if (known === undefined || worse(entry, known)) byEndpoint.set(entry.endpoint, entry);
      }
    }
    return [...byEndpoint.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  }

  /** Tells every worker to stop accepting and finish its requests (at most `graceMs`); resolves once all exited. */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    const exits = this.#slots.map((slot) => {
      const child = slot.child;
      if (child === null || child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        this.#post(child, { type: 'stop', graceMs });
        // A worker that does not finish in its grace (and 5 s more) is killed.
        setTimeout(() => child.kill('SIGKILL'), graceMs + 5_000).unref();
      });
    });
    await Promise.all(exits);
    for (const waiter of this.#liveWaiters) waiter.resolve();
    this.#liveWaiters = [];
  }

  #spawn(index: number): Promise<{ http: AddressInfo; https: AddressInfo | null }> {
    const { setup } = this.#options;
    const ports = this.#ports;
    const workerSetup: WorkerSetup = {
      ...setup,
      index,
      httpPort: ports?.http ?? setup.httpPort,
      https:
        setup.https === null ? null : { ...setup.https, port: ports?.https ?? setup.https.port },
    };
    const child = fork(this.#options.entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: workerExecArgv(process.execArgv, process.env['NODE_OPTIONS']),
    });
    this.#post(child, { type: 'setup', setup: workerSetup });
    const slot: Slot = {
      index,
      child,
      applied: 0,
      listening: false,
      health: [],
    };
    this.#slots[index] = slot;
    if (this.#latest !== null) this.#sendTable(slot);
    // A fork that fails, or a message that cannot be sent, ends in 'exit' too; without a
    // listener the error would end the control plane.
    child.on('error', (error) => {
      this.#logger.error({ worker: index, err: error }, 'worker process error');
    });
    return new Promise((resolve, reject) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'listening') {
          slot.listening = true;
          this.#logger.info({ worker: index, pid: child.pid }, 'worker listening');
          resolve({ http: message.http, https: message.https });
        } else this.#onMessage(slot, message);
      });
      child.once('exit', (code, signal) => {
        if (!slot.listening) {
          reject(
            new Error(
              `worker ${String(index)} exited before listening (${exitText(code, signal)}); see its log above`,
            ),
          );
        }
        this.#onExit(slot, child, code, signal);
      });
    });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'applied':
        slot.applied = message.sequence;
        this.#settleWaiters();
        return;
      case 'log':
        this.#options.onLog(message.text);
        return;
      case 'tally':
        slot.health = message.health;
        this.#options.onTraffic(message.counts);
        return;
      case 'report':
        slot.health = message.health;
        this.#options.onTraffic(message.counts);
        this.#collects.get(message.id)?.({
          index: slot.index,
          metrics: message.metrics,
          health: message.health,
        });
        return;
      default:
        return;
    }
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.#slots[slot.index]?.child !== child) return;
    slot.child = null;
    slot.listening = false;
    slot.health = [];
    this.#settleWaiters();
    if (this.#closing) return;
    this.#restarts++;
    const now = Date.now();
    this.#deaths = [...this.#deaths.filter((at) => now - at < CRASH_WINDOW_MS), now];
    const base = this.#options.restartDelayMs ?? 100;
    const delay = Math.min(MAX_RESTART_DELAY_MS, base * 2 ** (this.#deaths.length - 1));
    this.#logger.error(
      { worker: slot.index, pid: child.pid, exit: exitText(code, signal), restartInMs: delay },
      'worker died; starting it again',
    );
    setTimeout(() => {
      if (this.#closing) return;
      this.#spawn(slot.index).catch((error: unknown) => {
        this.#logger.error({ worker: slot.index, err: error }, 'worker did not start again');
      });
    }, delay).unref();
  }

  /** A new worker gets the latest table in full. */
  #sendTable(slot: Slot): void {
    const latest = this.#latest;
    if (latest === null || slot.child === null) return;
    const table = new TableEncoder().encode(latest.table, latest.materials);
    this.#post(slot.child, { type: 'table', sequence: latest.sequence, table });
  }

  #collectFrom(slot: Slot): Promise<WorkerReport | null> {
    const child = slot.child;
    if (child === null) return Promise.resolve(null);
    const id = this.#nextCollect++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#collects.delete(id);
        this.#logger.warn({ worker: slot.index }, 'worker did not report in time');
        resolve(null);
      }, COLLECT_TIMEOUT_MS);
      this.#collects.set(id, (report) => {
        clearTimeout(timer);
        this.#collects.delete(id);
        resolve(report);
      });
      this.#post(child, { type: 'collect', id });
    });
  }

  #post(child: ChildProcess, message: ToWorker): void {
    if (!child.connected) return;
    child.send(message, (error) => {
      // A worker that died in between: its exit handler deals with it.
      if (error !== null) this.#logger.debug({ err: error }, 'message to a worker not sent');
    });
  }

  #settleWaiters(): void {
    const running = this.#slots.filter((slot) => slot.child !== null);
    const lowest = Math.min(...running.map((slot) => slot.applied));
    const still: LiveWaiter[] = [];
    for (const waiter of this.#liveWaiters) {
      if (running.length > 0 && lowest >= waiter.sequence) waiter.resolve();
      else still.push(waiter);
    }
    this.#liveWaiters = still;
  }
}

/** Whether health entry `a` says more is wrong than `b` (out of rotation first, then failures). */
function worse(a: EndpointHealthEntry, b: EndpointHealthEntry): boolean {
  const out = (entry: EndpointHealthEntry): number => (entry.until === null ? 0 : 1);
  return (
    out(a) - out(b) > 0 || (out(a) === out(b) && a.consecutiveFailures > b.consecutiveFailures)
  );
}

function exitText(code: number | null, signal: string | null): string {
  return signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
}
