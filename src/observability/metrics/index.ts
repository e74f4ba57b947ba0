export { Metrics, type MetricsOptions, type WorkerCounts } from './metrics.ts';
export { ControlMetrics, type TranslationOutcome } from './control-metrics.ts';
export { RequestMetrics } from './request-metrics.ts';
export {
  DEFAULT_METRIC_PREFIXES,
  DURATION_BUCKETS,
  METRICS,
  SIZE_BUCKETS,
  type MetricDefinition,
  type MetricKey,
} from './names.ts';
export { hostLabel, METHOD_CLASSES, methodIndex, STATUS_CLASSES, statusIndex } from './labels.ts';
