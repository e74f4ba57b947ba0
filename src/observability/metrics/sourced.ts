import { Counter, Histogram } from 'prom-client';
import type { MetricKey } from './names.ts';

/** One sample as prom-client's registry prints it. */
export interface SampleValue {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** For histograms: `NAME_bucket`, `NAME_sum` or `NAME_count`. */
  readonly metricName?: string;
}

/** Where a sourced metric reads its samples at scrape time; given the metric's name. */
export type SampleSource = (name: string) => SampleValue[];

/** Sources by metric key. */
export type Sources = Partial<Record<MetricKey, SampleSource>>;

/**
 * Counts and histograms of the request path, kept in plain arrays by their owner and read only
 * when `/metrics` is scraped. prom-client builds a label hash string and checks every label on
 * each `inc()` or `observe()`: about 1-2 us each on the machines here, six of them per request,
 * which measured as most of the cost of request metrics. These subclasses keep prom-client's
 * registration, names, help and output format, and take their values from a source instead.
 */
export class SourcedCounter extends Counter {
  readonly #source: SampleSource;
  readonly #name: string;
  readonly #help: string;

  constructor(config: ConstructorParameters<typeof Counter>[0], source: SampleSource) {
    super(config);
    this.#source = source;
    this.#name = config.name;
    this.#help = config.help;
  }

  override get(): ReturnType<Counter['get']> {
    // prom-client's typings declare `type` as a numeric enum; at run time it is this string.
    const metric: unknown = {
      name: this.#name,
      help: this.#help,
      type: 'counter',
      aggregator: 'sum',
      values: this.#source(this.#name),
    };
    return Promise.resolve(metric) as ReturnType<Counter['get']>;
  }
}

/** A histogram read from a source; see {@link SourcedCounter}. */
export class SourcedHistogram extends Histogram {
  readonly #source: SampleSource;
  readonly #name: string;
  readonly #help: string;

  constructor(config: ConstructorParameters<typeof Histogram>[0], source: SampleSource) {
    super(config);
    this.#source = source;
    this.#name = config.name;
    this.#help = config.help;
  }

  override get(): ReturnType<Histogram['get']> {
    // prom-client's typings declare `type` as a numeric enum; at run time it is this string.
    const metric: unknown = {
      name: this.#name,
      help: this.#help,
      type: 'histogram',
      aggregator: 'sum',
      values: this.#source(this.#name),
    };
    return Promise.resolve(metric) as ReturnType<Histogram['get']>;
  }

  /** What the registry prints from, when a metric has it. */
  getForPromString(): ReturnType<Histogram['get']> {
    return this.get();
  }
}

/** Observations of one histogram series: a count per bucket (the last is +Inf), sum, count. */
export interface HistogramData {
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/** An empty series for `bounds`. */
export function histogramData(bounds: readonly number[]): HistogramData {
  return { buckets: new Float64Array(bounds.length + 1), sum: 0, count: 0 };
}

/** Adds one observation. */
export function observe(data: HistogramData, bounds: readonly number[], value: number): void {
  let index = 0;
  while (index < bounds.length && value > (bounds[index] ?? Infinity)) index++;
  data.buckets[index] = (data.buckets[index] ?? 0) + 1;
  data.sum += value;
  data.count++;
}

/** Adds the samples of one series (cumulative buckets, sum, count) to `out`. */
export function histogramSamples(
  out: SampleValue[],
  name: string,
  labels: Readonly<Record<string, string>>,
  bounds: readonly number[],
  data: HistogramData,
): void {
  let cumulative = 0;
  for (let index = 0; index <= bounds.length; index++) {
    cumulative += data.buckets[index] ?? 0;
    const le = index < bounds.length ? String(bounds[index]) : '+Inf';
    out.push({ labels: { le, ...labels }, value: cumulative, metricName: `${name}_bucket` });
  }
  out.push({ labels, value: data.sum, metricName: `${name}_sum` });
  out.push({ labels, value: data.count, metricName: `${name}_count` });
}
