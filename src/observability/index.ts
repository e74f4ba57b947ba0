export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.ts';
export { createAdminServer, type AdminServerOptions } from './admin-server.ts';
export { createStatusServer, type StatusServerOptions } from './status-server.ts';
export type {
  AdminServer,
  AdminStatusProvider,
  AdminView,
  MetricsSource,
  TrafficSource,
} from './admin-view.ts';
export {
  createAccessLog,
  formatAccessLine,
  DEFAULT_ACCESS_LOG,
  type AccessLog,
  type AccessLogLine,
  type AccessLogOptions,
  type AccessLogSettings,
  type AccessLogTarget,
} from './access-log.ts';
export {
  createTelemetry,
  DEFAULT_TELEMETRY,
  type ObservedControlLoop,
  type Telemetry,
  type TelemetryOptions,
  type TelemetrySettings,
} from './telemetry.ts';
export {
  TrafficHistory,
  type IngressTraffic,
  type TrafficHistoryOptions,
  type TrafficOverall,
  type TrafficSnapshot,
  type TrafficTotals,
} from './traffic-history.ts';
export {
  ControlMetrics,
  METRICS,
  Metrics,
  RequestMetrics,
  type MetricDefinition,
  type MetricsOptions,
  type WorkerCounts,
  type TranslationOutcome,
} from './metrics/index.ts';
export type {
  CertificateRow,
  ObjectFilter,
  ObjectRow,
  Page,
  RouteRow,
  Summary,
} from './admin-api.ts';
