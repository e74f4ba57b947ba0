import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS, type MetricDefinition, type MetricKey } from './names.ts';
import { SourcedCounter, SourcedHistogram, type SampleSource, type Sources } from './sourced.ts';

type InstrumentFor<D> = D extends { readonly type: 'counter' }
  ? Counter
  : D extends { readonly type: 'gauge' }
    ? Gauge
    : Histogram;

/** The prom-client object of every metric in {@link METRICS}, by key. */
export type Instruments = { readonly [K in MetricKey]: InstrumentFor<(typeof METRICS)[K]> };

/** Code run just before a scrape reads a metric (to set gauges from live state). */
export type Collectors = Partial<Record<MetricKey, () => void>>;

/**
 * Registers every metric of {@link METRICS} in `registry`, with the given collectors; counters
 * and histograms with a source take their samples from it.
 */
export function createInstruments(
  registry: Registry,
  collectors: Collectors = {},
  sources: Sources = {},
): Instruments {
  const instruments: Record<string, Counter | Gauge | Histogram> = {};
  for (const [key, definition] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    instruments[key] = createInstrument(definition, registry, collectors[key], sources[key]);
  }
  return instruments as unknown as Instruments;
}

function createInstrument(
  definition: MetricDefinition,
  registry: Registry,
  collect: (() => void) | undefined,
  source: SampleSource | undefined,
): Counter | Gauge | Histogram {
  const config = {
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels],
    registers: [registry],
    ...(collect === undefined ? {} : { collect }),
    ...(definition.aggregate === undefined ? {} : { aggregator: definition.aggregate }),
  };
  if (definition.type === 'gauge') return new Gauge(config);
  if (definition.type === 'counter') {
    return source === undefined ? new Counter(config) : new SourcedCounter(config, source);
  }
  const histogram = { ...config, buckets: [...(definition.buckets ?? [])] };
  return source === undefined ? new Histogram(histogram) : new SourcedHistogram(histogram, source);
}
