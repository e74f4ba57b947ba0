import { firstBackendFrom, type Endpoint, type RouteTable } from '../../ir/index.ts';
import type { Gauge } from 'prom-client';
import type { Sources } from './sourced.ts';
import { PRUNE_AFTER_TABLES } from './request-metrics.ts';

/** What passive health tells the metrics about one ejection (a HealthEvent of type ejected). */
export interface EjectionEvent {
  /** The backend id of the request whose outcome decided it (`namespace/service:port`). */
  readonly backend: string;
  readonly reason: string | null;
}

/** The part of EndpointHealth the gauge reads at scrape time. */
export interface HealthSource {
  /** Endpoints out of rotation or on probation; 0 makes a scrape skip the table walk. */
  readonly outCount: number;
  isOut(endpoint: Endpoint): boolean;
}

interface ServiceLabels {
  readonly namespace: string;
  readonly service: string;
}

/**
 * The upstream health metrics: ejections counted per (namespace, Service, reason), and the
 * endpoints out of rotation per (namespace, Service), read from the live health at scrape time.
 * Label values come from the route table's backend objects, never from the backend id's text
 * nor from a request. An ejection reported for a backend that neither the live table nor the
 * one before it has (a request that outlived two swaps) is not counted: its labels are unknown.
 */
export class UpstreamHealthMetrics {
  #table: RouteTable | null = null;
  /** The previous table: a request that started on it may report an ejection. */
  #previousTable: RouteTable | null = null;
  /** The latest table, whose Services' stale series have not been dropped yet. */
  #pruneFor: RouteTable | null = null;
  #tablesSincePrune = 0;
  readonly #ejections = new Map<string, { labels: Record<string, string>; value: number }>();
  #health: HealthSource | null = null;

  /** Reads the gauge from `health` from now on. */
  trackHealth(health: HealthSource): void {
    this.#health = health;
  }

  /** A new table went live: its backends name the labels; Services it dropped lose their series. */
  tableLive(table: RouteTable): void {
    // The label maps are made on the first ejection and the stale series dropped when scraped
    // (or every PRUNE_AFTER_TABLES tables), not here: a rebuild's cost should follow what it
    // changed, not every backend.
    this.#previousTable = this.#table;
    this.#table = table;
    this.#pruneFor = table;
    if (++this.#tablesSincePrune >= PRUNE_AFTER_TABLES) this.#prune();
  }

  #prune(): void {
    const table = this.#pruneFor;
    if (table === null) return;
    this.#pruneFor = null;
    this.#tablesSincePrune = 0;
    // By series (few), each found in the sorted backends: no set of every backend per prune.
    for (const [key, series] of this.#ejections) {
      const { namespace = '', service = '' } = series.labels;
      if (!hasService(table.backends, namespace, service)) this.#ejections.delete(key);
    }
  }

  /** Counts one ejection. */
  ejected(event: EjectionEvent): void {
    const labels =
      labelsIn(this.#table)?.get(event.backend) ??
      labelsIn(this.#previousTable)?.get(event.backend);
    if (labels === undefined) return;
    const reason = event.reason ?? '';
    const key = `${serviceKey(labels.namespace, labels.service)}\u0000${reason}`;
    const series = this.#ejections.get(key);
    if (series === undefined) {
      this.#ejections.set(key, { labels: { ...labels, reason }, value: 1 });
    } else {
      series.value++;
    }
  }

  /** The sample source of the ejection counter, for createInstruments. */
  sources(): Sources {
    return {
      upstreamEjections: () => {
        this.#prune();
        return [...this.#ejections.values()].map(({ labels, value }) => ({ labels, value }));
      },
    };
  }

  /** Sets the ejected-endpoints gauge from the live health (its collector, at scrape time). */
  collectEjected(gauge: Gauge): void {
    gauge.reset();
    for (const { labels, value } of this.#ejectedNow()) gauge.set(labels, value);
  }

  /**
   * One sample per (namespace, Service) with at least one endpoint out now: a series per live
   * backend would mostly be zeros, as many as the cluster has Services. Backends of one Service
   * on several ports add up (their endpoints differ by port); an endpoint shared by two
   * backends of different Services counts for each.
   */
  #ejectedNow(): { labels: Record<string, string>; value: number }[] {
    const health = this.#health;
    const table = this.#table;
    if (health === null || table === null || health.outCount === 0) return [];
    const counts = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const backend of table.backends) {
      let out = 0;
      for (const endpoint of backend.endpoints) if (health.isOut(endpoint)) out++;
      if (out === 0) continue;
      const key = serviceKey(backend.namespace, backend.service);
      const series = counts.get(key);
      if (series === undefined) {
        const labels = { namespace: backend.namespace, service: backend.service };
        counts.set(key, { labels, value: out });
      } else {
        series.value += out;
      }
    }
    return [...counts.values()];
  }
}

/**
 * Whether a list of backends sorted by id (RouteTable.backends) has one of the Service: their
 * ids start with `namespace/service:` (backend ids name the Service and its port).
 */
function hasService(backends: RouteTable['backends'], namespace: string, service: string): boolean {
  const prefix = `${namespace}/${service}:`;
  return backends[firstBackendFrom(backends, prefix)]?.id.startsWith(prefix) === true;
}

function serviceKey(namespace: string, service: string): string {
  return `${namespace}\u0000${service}`;
}

/** The labels of each backend of a table, by id, made once per table. */
const labelsByTable = new WeakMap<RouteTable, ReadonlyMap<string, ServiceLabels>>();

function labelsIn(table: RouteTable | null): ReadonlyMap<string, ServiceLabels> | undefined {
  if (table === null) return undefined;
  let labels = labelsByTable.get(table);
  if (labels === undefined) {
    labels = new Map(
      table.backends.map((b) => [b.id, { namespace: b.namespace, service: b.service }]),
    );
    labelsByTable.set(table, labels);
  }
  return labels;
}
