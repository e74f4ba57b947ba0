import type { RequestObserver, RequestRecord } from '../../dataplane/index.ts';
import type { RouteMatch, RouteTable } from '../../ir/index.ts';
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

/**
 * Turns request records into the request metrics. A request costs a few array increments: the
 * counts live here, keyed by the route table's own match objects, and are turned into samples
 * only when `/metrics` is scraped ({@link RequestMetrics.sources}). Label values come from the
 * route table (the Ingress, the rule's host, the Service) and from fixed classes of method and
 * status. Series of Ingresses that leave the route table are dropped when the next table goes
 * live ({@link RequestMetrics.retain}), so deleted Ingresses do not linger.
 */
export class RequestMetrics implements RequestObserver {
  /** Fast path: the table's match objects are shared by every request of that table. */
  #byMatch = new WeakMap<RouteMatch, RouteSeries>();
  /** Every series by its label values, so that tables with equal routes share series. */
  readonly #routes = new Map<string, RouteSeries>();
  readonly #backends = new Map<string, BackendSeries>();
  readonly #unrouted: RouteSeries;

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
    if (record.retryReason !== null) increment(backend.retries, record.retryReason);
  }

  /**
   * Drops the series of Ingresses that `table` no longer has; call it when a table goes live.
   * A request still running on the previous table may bring one back once, harmlessly.
   */
  retain(table: RouteTable): void {
    const ingresses = ingressesOf(table);
    const gone = (labels: Readonly<Record<string, string>>): boolean =>
      labels['ingress'] !== '' && !ingresses.has(`${labels['namespace']}/${labels['ingress']}`);
    for (const [key, series] of this.#routes) if (gone(series.labels)) this.#routes.delete(key);
    for (const [key, series] of this.#backends) if (gone(series.labels)) this.#backends.delete(key);
    this.#byMatch = new WeakMap();
  }

  /** The sample sources of the request metrics, for {@link createInstruments}. */
  sources(): Sources {
    const routes = (): RouteSeries[] => [...this.#routes.values()];
    const backends = (): BackendSeries[] => [...this.#backends.values()];
    return {
      requests: () => requestSamples(routes()),
      requestDuration: (name) => durationSamples(name, routes()),
      upstreamResponse: (name) => backendHistogram(name, backends(), UPSTREAM, 'upstream'),
      requestSize: (name) => backendHistogram(name, backends(), SIZES, 'requestSize'),
      responseSize: (name) => backendHistogram(name, backends(), SIZES, 'responseSize'),
      errors: () => codedSamples(backends(), 'errors'),
      retries: () => codedSamples(backends(), 'retries'),
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
    const key = [namespace, ingress, host, service].join('\u0000');
    let series = this.#routes.get(key);
    if (series === undefined) {
      const backendKey = [namespace, ingress, service].join('\u0000');
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

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
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

/** `namespace/name` of every Ingress that has a route or the default backend in `table`. */
function ingressesOf(table: RouteTable): Set<string> {
  const names = new Set<string>();
  for (const host of table.hosts) {
    for (const route of host.paths) names.add(`${route.source.namespace}/${route.source.name}`);
  }
  const fallback = table.defaultBackend;
  if (fallback !== null) names.add(`${fallback.namespace}/${fallback.name}`);
  return names;
}
