import type { RequestObserver, RequestRecord } from '../../dataplane/index.ts';
import {
  compareHosts,
  firstBackendFrom,
  forEachChange,
  type RouteMatch,
  type RouteTable,
} from '../../ir/index.ts';
import { hostLabel, METHOD_CLASSES, methodIndex, STATUS_CLASSES, statusIndex } from './labels.ts';
import { METRICS } from './names.ts';
import {
  histogramData,
  histogramSamples,
  observe,
  type HistogramData,
  type SampleValue,
  type Sources,
} from './sourced.ts';

const CLASSES = METHOD_CLASSES.length * STATUS_CLASSES.length;
const DURATION = METRICS.requestDuration.buckets;
const UPSTREAM = METRICS.upstreamResponse.buckets;
const SIZES = METRICS.requestSize.buckets;

/** What is counted per (namespace, ingress, service): the metrics without host and method. */
class BackendSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly upstream = histogramData(UPSTREAM);
  readonly requestSize = histogramData(SIZES);
  readonly responseSize = histogramData(SIZES);
  readonly errors = new Map<string, number>();
  readonly retries = new Map<string, number>();
  /** Requests whose allowed retry the retry budget refused. */
  budgetExhausted = 0;

  constructor(namespace: string, ingress: string, service: string) {
    this.labels = { namespace, ingress, service };
  }
}

/** What is counted per (namespace, ingress, host, service), by method and status class. */
class RouteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly backend: BackendSeries;
  readonly requests = new Float64Array(CLASSES);
  readonly durations: (HistogramData | undefined)[] = new Array<undefined>(CLASSES);

  constructor(labels: Readonly<Record<string, string>>, backend: BackendSeries) {
    this.labels = labels;
    this.backend = backend;
  }
}

/** Tables gone live after which stale series are dropped even when nobody scrapes. */
export const PRUNE_AFTER_TABLES = 64;

/**
 * Turns request records into the request metrics. A request costs a few array increments: the
 * counts live here, keyed by the route table's own match objects, and are turned into samples
 * only when `/metrics` is scraped ({@link RequestMetrics.sources}). Label values come from the
 * route table (the Ingress, the rule's host, the Service) and from fixed classes of method and
 * status. When a table goes live, series whose namespace, Ingress, host and Service it no
 * longer has are dropped ({@link RequestMetrics.retain}), so old routes do not linger.
 */
export class RequestMetrics implements RequestObserver {
  /** Fast path: the table's match objects are shared by every request of that table. */
  #byMatch = new WeakMap<RouteMatch, RouteSeries>();
  /** Every series by its label values, so that tables with equal routes share series. */
  readonly #routes = new Map<string, RouteSeries>();
  readonly #backends = new Map<string, BackendSeries>();
  readonly #unrouted: RouteSeries;
  /** The latest live table, whose series have not been pruned yet. */
  #retainFor: RouteTable | null = null;
  #tablesSincePrune = 0;
  readonly #liveKeys = new LiveKeys();

  constructor() {
    this.#unrouted = this.#routeSeries('', '', '', '');
  }

  /** Counts one finished request. */
  onRequestEnd(record: RequestRecord): void {
    const series = this.#seriesOf(record);
    const index = methodIndex(record.method) * STATUS_CLASSES.length + statusIndex(record.status);
    series.requests[index] = (series.requests[index] ?? 0) + 1;
    const duration = (series.durations[index] ??= histogramData(DURATION));
    observe(duration, DURATION, record.durationMs / 1000);
    const backend = series.backend;
    if (record.upstreamMs >= 0) observe(backend.upstream, UPSTREAM, record.upstreamMs / 1000);
    observe(backend.requestSize, SIZES, record.bytesIn);
    observe(backend.responseSize, SIZES, record.bytesOut);
    if (record.error !== null) increment(backend.errors, record.error);
    if (record.retryReason !== null) increment(backend.retries, record.retryReason, record.retries);
    if (record.retryBudgetExhausted) backend.budgetExhausted++;
  }

  /**
   * Keeps only the series whose labels `table` can still produce: the namespace, Ingress, rule
   * host and Service of one of its routes (or of its default backend); call it when a table
   * goes live. So a Service swapped behind a path, or a host dropped from an Ingress, leaves no
   * series behind, as a deleted Ingress does not. The series of unmatched requests stays. A
   * request still running on the previous table may bring one back once, harmlessly. The keys
   * the table can produce are counted as host entries come and go (see LiveKeys); the pruning
   * goes over the series, when scraped or every {@link PRUNE_AFTER_TABLES} tables without a
   * scrape.
   */
  retain(table: RouteTable): void {
    this.#liveKeys.follow(table);
    this.#retainFor = table;
    this.#byMatch = new WeakMap();
    if (++this.#tablesSincePrune >= PRUNE_AFTER_TABLES) this.#prune();
  }

  #prune(): void {
    if (this.#retainFor === null) return;
    this.#retainFor = null;
    this.#tablesSincePrune = 0;
    // Keyed as the live keys are: routeKey and backendKeyOf of the label values.
    for (const [key, series] of this.#routes) {
      if (series.labels['ingress'] !== '' && !this.#liveKeys.routes.has(key)) {
        this.#routes.delete(key);
      }
    }
    for (const [key, series] of this.#backends) {
      if (series.labels['ingress'] !== '' && !this.#liveKeys.backends.has(key)) {
        this.#backends.delete(key);
      }
    }
  }

  /** The sample sources of the request metrics, for {@link createInstruments}. */
  sources(): Sources {
    const routes = (): RouteSeries[] => {
      this.#prune();
      return [...this.#routes.values()];
    };
    const backends = (): BackendSeries[] => {
      this.#prune();
      return [...this.#backends.values()];
    };
    return {
      requests: () => requestSamples(routes()),
      requestDuration: (name) => durationSamples(name, routes()),
      upstreamResponse: (name) => backendHistogram(name, backends(), UPSTREAM, 'upstream'),
      requestSize: (name) => backendHistogram(name, backends(), SIZES, 'requestSize'),
      responseSize: (name) => backendHistogram(name, backends(), SIZES, 'responseSize'),
      errors: () => codedSamples(backends(), 'errors'),
      retries: () => codedSamples(backends(), 'retries'),
      retryBudgetExhausted: () =>
        backends()
          .filter((series) => series.budgetExhausted > 0)
          .map((series) => ({ labels: series.labels, value: series.budgetExhausted })),
    };
  }

  #seriesOf(record: RequestRecord): RouteSeries {
    const match = record.match;
    if (match === null || record.ingressName === '') return this.#unrouted;
    const known = this.#byMatch.get(match);
    if (known !== undefined) return known;
    const series = this.#routeSeries(
      record.ingressNamespace,
      record.ingressName,
      hostLabel(record),
      record.backend?.service ?? '',
    );
    this.#byMatch.set(match, series);
    return series;
  }

  #routeSeries(namespace: string, ingress: string, host: string, service: string): RouteSeries {
    const key = routeKey(namespace, ingress, host, service);
    let series = this.#routes.get(key);
    if (series === undefined) {
      const backendKey = backendKeyOf(namespace, ingress, service);
      let backend = this.#backends.get(backendKey);
      if (backend === undefined) {
        backend = new BackendSeries(namespace, ingress, service);
        this.#backends.set(backendKey, backend);
      }
      series = new RouteSeries({ namespace, ingress, host, service }, backend);
      this.#routes.set(key, series);
    }
    return series;
  }
}

function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

function classLabels(series: RouteSeries, index: number): Record<string, string> {
  return {
    ...series.labels,
    method: METHOD_CLASSES[Math.floor(index / STATUS_CLASSES.length)] ?? '',
    status_class: STATUS_CLASSES[index % STATUS_CLASSES.length] ?? '',
  };
}

function requestSamples(routes: readonly RouteSeries[]): SampleValue[] {
  const out: SampleValue[] = [];
  for (const series of routes) {
    for (let index = 0; index < CLASSES; index++) {
      const value = series.requests[index] ?? 0;
      if (value > 0) out.push({ labels: classLabels(series, index), value });
    }
  }
  return out;
}

function durationSamples(name: string, routes: readonly RouteSeries[]): SampleValue[] {
  const out: SampleValue[] = [];
  for (const series of routes) {
    for (let index = 0; index < CLASSES; index++) {
      const data = series.durations[index];
      if (data !== undefined)
        histogramSamples(out, name, classLabels(series, index), DURATION, data);
    }
  }
  return out;
}

function backendHistogram(
  name: string,
  backends: readonly BackendSeries[],
  bounds: readonly number[],
  field: 'upstream' | 'requestSize' | 'responseSize',
): SampleValue[] {
  const out: SampleValue[] = [];
  for (const series of backends) {
    const data = series[field];
    if (data.count > 0) histogramSamples(out, name, series.labels, bounds, data);
  }
  return out;
}

function codedSamples(backends: readonly BackendSeries[], field: 'errors' | 'retries') {
  const out: SampleValue[] = [];
  for (const series of backends) {
    for (const [code, value] of series[field])
      out.push({ labels: { ...series.labels, code }, value });
  }
  return out;
}

function routeKey(namespace: string, ingress: string, host: string, service: string): string {
  return [namespace, ingress, host, service].join('\u0000');
}

function backendKeyOf(namespace: string, ingress: string, service: string): string {
  return [namespace, ingress, service].join('\u0000');
}

/** The Service of the backend `id` in a list sorted by id (RouteTable.backends); '' if none. */
function serviceById(backends: RouteTable['backends'], id: string): string {
  const backend = backends[firstBackendFrom(backends, id)];
  return backend?.id === id ? backend.service : '';
}

/** The route and backend series keys of one host entry, computed once per (frozen) entry. */
interface EntryKeys {
  readonly routes: readonly string[];
  readonly backends: readonly string[];
}

/**
 * Keys by host entry. A backend id names its Service (`namespace/service:port`), so an entry's
 * keys do not depend on the table it is found in.
 */
const keysByEntry = new WeakMap<RouteTable['hosts'][number], EntryKeys>();

/**
 * The keys of every route and backend series the live table can produce, counted: for each path
 * rule, its Ingress, its host (as the `host` label has it, see hostLabel) and its backend's
 * Service; for the default backend, its Ingress, no host, and its Service. Each table is walked
 * beside the one before (forEachChange): only host entries that came or went change the
 * counts. Building every key of every table took 60-90 ms at 10,000 Ingresses, a stall of the
 * worker that did it.
 */
class LiveKeys {
  readonly routes = new Map<string, number>();
  readonly backends = new Map<string, number>();
  #table: RouteTable | null = null;

  follow(table: RouteTable): void {
    const previous = this.#table;
    forEachChange(previous?.hosts ?? [], table.hosts, compareHosts, (entry, sign) => {
      // A gone entry was new in the table before, so its keys were built then.
      this.#count(entryKeys(entry, sign === 1 || previous === null ? table : previous), sign);
    });
    if (previous?.defaultBackend !== table.defaultBackend) {
      if (previous !== null) this.#count(defaultKeys(previous), -1);
      this.#count(defaultKeys(table), 1);
    }
    this.#table = table;
  }

  #count(keys: EntryKeys, sign: 1 | -1): void {
    for (const key of keys.routes) bump(this.routes, key, sign);
    for (const key of keys.backends) bump(this.backends, key, sign);
  }
}

function bump(counts: Map<string, number>, key: string, sign: 1 | -1): void {
  const count = (counts.get(key) ?? 0) + sign;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

/** The keys of one host entry's path rules, built once per (frozen) entry. */
function entryKeys(entry: RouteTable['hosts'][number], table: RouteTable): EntryKeys {
  let keys = keysByEntry.get(entry);
  if (keys === undefined) {
    const host = entry.host === '' ? '*' : entry.host;
    const services = entry.paths.map((route) => serviceById(table.backends, route.backend));
    keys = {
      routes: entry.paths.map((route, index) =>
        routeKey(route.source.namespace, route.source.name, host, services[index] ?? ''),
      ),
      backends: entry.paths.map((route, index) =>
        backendKeyOf(route.source.namespace, route.source.name, services[index] ?? ''),
      ),
    };
    keysByEntry.set(entry, keys);
  }
  return keys;
}

/** The keys of a table's default route; none without one. */
function defaultKeys(table: RouteTable): EntryKeys {
  const fallback = table.defaultBackend;
  if (fallback === null) return { routes: [], backends: [] };
  const service = serviceById(table.backends, fallback.backend);
  return {
    routes: [routeKey(fallback.namespace, fallback.name, '', service)],
    backends: [backendKeyOf(fallback.namespace, fallback.name, service)],
  };
}
