export { LineRelay } from './line-relay.ts';
export { TrafficRelay } from './traffic-relay.ts';
export { defaultWorkerCount, cgroupCpuLimit } from './worker-count.ts';
export { migratesQueuedConnections } from './migrate-requests.ts';
export { WorkerPool, type WorkerPoolOptions, type WorkerReport } from './worker-pool.ts';
export { aggregatedMetrics } from './aggregated-metrics.ts';
export type { FromWorker, HttpsSetup, ToWorker, TrafficCount, WorkerSetup } from './protocol.ts';
export { LimitHost, type LimitAddress } from './limit-host.ts';
export { SharedLimits } from './shared-limits.ts';
