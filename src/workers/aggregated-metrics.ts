import { AggregatorRegistry } from 'prom-client';
import type { Metrics, MetricsSource } from '../observability/index.ts';
import type { WorkerPool } from './worker-pool.ts';

/**
 * One `/metrics` for the control plane and its workers: every process's registry, the control
 * plane's first, combined series by series (prom-client's aggregation: summed, or the control
 * plane's value for metrics marked `first`, see observability/metrics/names.ts). Counters and
 * histograms of requests add up over the workers; process metrics (CPU seconds, memory) are
 * those of all processes together.
 */
export function aggregatedMetrics(own: Metrics, pool: WorkerPool): MetricsSource {
  return {
    contentType: own.contentType,
    text: async () => {
      const [mine, reports] = await Promise.all([own.registry.getMetricsAsJSON(), pool.collect()]);
      const all: object[][] = [mine];
      for (const report of reports) if (report.metrics !== null) all.push([...report.metrics]);
      return AggregatorRegistry.aggregate(all).metrics();
    },
  };
}
