import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Proxy } from '../../dataplane/index.ts';
import { compareBackendIds, forEachChange, type Backend, type RouteTable } from '../../ir/index.ts';
import { ControlMetrics } from './control-metrics.ts';
import { createInstruments, type Instruments } from './instruments.ts';
import { RequestMetrics } from './request-metrics.ts';
import type { SampleValue } from './sourced.ts';
import { watchUpstreamConnects, type UpstreamConnect } from './upstream-connects.ts';
import {
  UpstreamHealthMetrics,
  type EjectionEvent,
  type HealthSource,
} from './upstream-health-metrics.ts';

/** The workers of `serve --workers N`, as {@link Metrics.trackWorkers} reads them. */
export interface WorkerCounts {
  running(): number;
  restarts(): number;
}

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Adds prom-client's process metrics (CPU, memory, event loop lag, heap, GC). Default true. */
  readonly processMetrics?: boolean;
  /** Measures upstream connects through the proxy's diagnostics channel. Default true. */
  readonly upstreamConnects?: boolean;
}

/**
 * Every metric of one process, in a Registry of its own (never prom-client's global one, so
 * that tests can make several). `requests` observes the proxy's request records, `control` is
 * told about translations; {@link Metrics.tableLive} must see every table that goes live.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;
  readonly control: ControlMetrics;
  readonly #health = new UpstreamHealthMetrics();
  readonly #instruments: Instruments;
  readonly #listeners = new Map<string, Proxy['stats']>();
  /** Endpoints of the live table's backends, with the number of backends that have each. */
  readonly #endpoints = new Map<string, number>();
  #endpointsOf: RouteTable | null = null;
  #droppedLines: (() => number) | null = null;
  #workers: WorkerCounts | null = null;
  readonly #stopConnects: () => void;

  constructor(options: MetricsOptions = {}) {
    this.requests = new RequestMetrics();
    const collectors = {
      openConnections: () => {
        this.#collectConnections();
      },
      activeRequests: () => {
        this.#collectActiveRequests();
      },
      upstreamEjectedEndpoints: () => {
        this.#health.collectEjected(this.#instruments.upstreamEjectedEndpoints);
      },
      objects: () => {
        this.control.collectResults();
      },
      workers: () => {
        this.#instruments.workers.set(this.#workers?.running() ?? 1);
      },
    };
    const sources = {
      ...this.requests.sources(),
      ...this.#health.sources(),
      // No access log, no series: a zero would claim lines are written somewhere.
      accessLogDropped: () =>
        this.#droppedLines === null ? [] : [{ labels: {}, value: this.#droppedLines() }],
      shedConnections: () => this.#shedConnections(),
      workerRestarts: () =>
        this.#workers === null ? [] : [{ labels: {}, value: this.#workers.restarts() }],
    };
    this.#instruments = createInstruments(this.registry, collectors, sources);
    this.control = new ControlMetrics(this.#instruments);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#stopConnects =
      (options.upstreamConnects ?? true)
        ? watchUpstreamConnects((connect) => {
            this.#upstreamConnect(connect);
          })
        : () => undefined;
  }

  /** Reports a proxy's connection counts (its `stats()`) as the listener `name`. */
  trackListener(name: string, stats: Proxy['stats']): void {
    this.#listeners.set(name, stats);
  }

  /** Reports the data-plane workers of `serve --workers N` (read at each scrape). */
  trackWorkers(workers: WorkerCounts): void {
    this.#workers = workers;
  }

  /** A data-plane worker applied a table in `seconds`. */
  tableApplied(seconds: number): void {
    this.#instruments.tableApply.observe(seconds);
  }

  /** Reports the access log's dropped lines (read at each scrape). */
  trackAccessLog(dropped: () => number): void {
    this.#droppedLines = dropped;
  }

  /**
   * Reports the endpoints out of rotation per backend Service (read at each scrape): `health`
   * is the process's EndpointHealth.
   */
  trackHealth(health: HealthSource): void {
    this.#health.trackHealth(health);
  }

  /** Counts one ejection of passive health (a HealthEvent of type `ejected`). */
  upstreamEjected(event: EjectionEvent): void {
    this.#health.ejected(event);
  }

  /** A new table went live at `nowMs` (Unix milliseconds). */
  tableLive(table: RouteTable, nowMs: number): void {
    this.control.tableLive(table, nowMs);
    this.routesLive(table);
  }

  /**
   * The data-plane half of {@link Metrics.tableLive}: what the request and upstream series
   * keep. A data-plane worker calls only this, so that the control plane's series (which the
   * aggregated `/metrics` sums over processes) are counted once.
   */
  routesLive(table: RouteTable): void {
    this.requests.retain(table);
    this.#health.tableLive(table);
    // Counted per backend object that came or went, found by walking the two lists (sorted by
    // id) side by side: a table that keeps most backends of the last one (an incremental
    // translation) costs no key per endpoint and no set of its backends (at 10,000 Ingresses a
    // set was milliseconds on every table).
    forEachChange(
      this.#endpointsOf?.backends ?? [],
      table.backends,
      compareBackendIds,
      (backend, sign) => {
        this.#countEndpoints(backend, sign);
      },
    );
    this.#endpointsOf = table;
  }

  #countEndpoints(backend: Backend, sign: 1 | -1): void {
    for (const endpoint of backend.endpoints) {
      const key = `${endpoint.address}|${String(endpoint.port)}`;
      const count = (this.#endpoints.get(key) ?? 0) + sign;
      if (count > 0) this.#endpoints.set(key, count);
      else this.#endpoints.delete(key);
    }
  }

  /** The metrics in the Prometheus text format. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The media type of {@link Metrics.text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops what runs in the background. */
  close(): void {
    this.#stopConnects();
  }

  // Only endpoints of the live route table count.
  #upstreamConnect(connect: UpstreamConnect): void {
    if (!this.#endpoints.has(`${connect.hostname}|${connect.port}`)) return;
    this.#instruments.upstreamConnect.labels(connect.ok ? 'ok' : 'error').observe(connect.seconds);
  }

  #collectConnections(): void {
    const gauge = this.#instruments.openConnections;
    gauge.reset();
    for (const [listener, stats] of this.#listeners) {
      // Connections count TCP connections; HTTP/2 ones and tunnels are told apart from them.
      const { connections, tunnels, http2Sessions = 0 } = stats();
      gauge.labels(listener, 'http/1.1').set(Math.max(0, connections - tunnels - http2Sessions));
      gauge.labels(listener, 'h2').set(http2Sessions);
      gauge.labels(listener, 'upgrade').set(tunnels);
    }
  }

  #shedConnections(): SampleValue[] {
    const samples: SampleValue[] = [];
    for (const [listener, stats] of this.#listeners) {
      const { evicted, clientLimit, limit } = stats().shed;
      samples.push(
        { labels: { listener, reason: 'evicted' }, value: evicted },
        { labels: { listener, reason: 'client_limit' }, value: clientLimit },
        { labels: { listener, reason: 'limit' }, value: limit },
      );
    }
    return samples;
  }

  #collectActiveRequests(): void {
    const gauge = this.#instruments.activeRequests;
    gauge.reset();
    for (const [listener, stats] of this.#listeners)
      gauge.labels(listener).set(stats().activeRequests);
  }
}
