/**
 * Every metric pointsman defines: name, type, labels and meaning, in one table that
 * docs/metrics.md mirrors (a test fails when the two drift). Label values come from the route
 * table and from fixed sets, never from what a client sent, so the number of series stays
 * bounded by the configuration.
 */

/** One metric as it is registered and documented. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  /** The HELP text, also the meaning column of docs/metrics.md. */
  readonly help: string;
  readonly buckets?: readonly number[];
  /**
   * How `/metrics` of `serve --workers N` combines the series of its processes (control plane
   * first, then each worker): summed when absent; `first` for what only the control plane
   * knows.
   */
  readonly aggregate?: 'first';
}

/** Seconds: from a cache hit on loopback to a minute-long upstream. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Bytes, powers of four from 64 B to 64 MiB. */
export const SIZE_BUCKETS: readonly number[] = [
  64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/** Seconds a control-plane step takes: translation of a large cluster takes tens of ms. */
const CONTROL_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

const ROUTE = ['namespace', 'ingress', 'host', 'service', 'method', 'status_class'] as const;
const BACKEND = ['namespace', 'ingress', 'service'] as const;
const CODED = ['namespace', 'ingress', 'service', 'code'] as const;

/** The metrics, by the key the code uses. */
export const METRICS = {
  requests: {
    name: 'pointsman_requests_total',
    type: 'counter',
    labels: ROUTE,
    help: 'Requests served, by the Ingress, rule host and Service that matched, method class and status class.',
  },
  requestDuration: {
    name: 'pointsman_request_duration_seconds',
    type: 'histogram',
    labels: ROUTE,
    help: 'Time from the request head to the end of the response (or of the tunnel, for upgrades).',
    buckets: DURATION_BUCKETS,
  },
  upstreamResponse: {
    name: 'pointsman_upstream_response_seconds',
    type: 'histogram',
    labels: BACKEND,
    help: 'Time from sending the request upstream to receiving the response head.',
    buckets: DURATION_BUCKETS,
  },
  upstreamConnect: {
    name: 'pointsman_upstream_connect_seconds',
    type: 'histogram',
    labels: ['outcome'],
    help: 'Time to open a new connection to an endpoint of the route table (outcome ok or error).',
    buckets: DURATION_BUCKETS,
  },
  requestSize: {
    name: 'pointsman_request_size_bytes',
    type: 'histogram',
    labels: BACKEND,
    help: 'Bytes received from the client per request, head included.',
    buckets: SIZE_BUCKETS,
  },
  responseSize: {
    name: 'pointsman_response_size_bytes',
    type: 'histogram',
    labels: BACKEND,
    help: 'Bytes sent to the client per request, head included.',
    buckets: SIZE_BUCKETS,
  },
  errors: {
    name: 'pointsman_request_errors_total',
    type: 'counter',
    labels: CODED,
    help: 'Requests that ended with an error code (PM_ERR_*, see docs/errors.md).',
  },
  retries: {
    name: 'pointsman_upstream_retries_total',
    type: 'counter',
    labels: CODED,
    help: 'Attempts sent upstream again, by the code (or http_<status>) of the last retry of each request.',
  },
  retryBudgetExhausted: {
    name: 'pointsman_upstream_retry_budget_exhausted_total',
    type: 'counter',
    labels: BACKEND,
    help: 'Requests whose allowed retry was not sent because the retry budget of their backend was spent.',
  },
  upstreamEjections: {
    name: 'pointsman_upstream_ejections_total',
    type: 'counter',
    labels: ['namespace', 'service', 'reason'],
    help: 'Endpoints taken out of rotation by passive health, by the backend Service and the failure that did it.',
  },
  upstreamEjectedEndpoints: {
    name: 'pointsman_upstream_ejected_endpoints',
    type: 'gauge',
    labels: ['namespace', 'service'],
    help: 'Endpoints of a backend Service out of rotation now (ejected, probed, or with a slow connect); only Services with one or more.',
  },
  openConnections: {
    name: 'pointsman_open_connections',
    type: 'gauge',
    labels: ['listener', 'protocol'],
    help: 'Client connections open now, by listener and protocol (http/1.1, h2, or upgrade for tunnels).',
  },
  shedConnections: {
    name: 'pointsman_connections_shed_total',
    type: 'counter',
    labels: ['listener', 'reason'],
    help: 'Client connections closed by the limits, by reason: evicted (idle), client_limit or limit (refused).',
  },
  activeRequests: {
    name: 'pointsman_active_requests',
    type: 'gauge',
    labels: ['listener'],
    help: 'Requests in flight now, by listener.',
  },
  translations: {
    name: 'pointsman_translations_total',
    type: 'counter',
    labels: ['outcome'],
    help: 'Translations of the object store, by outcome: swapped (a new table went live), unchanged, failed.',
  },
  translationDuration: {
    name: 'pointsman_translation_duration_seconds',
    type: 'histogram',
    labels: [],
    help: 'Time to translate the object store and install the resulting table.',
    buckets: CONTROL_BUCKETS,
  },
  routeTableInfo: {
    name: 'pointsman_route_table_info',
    type: 'gauge',
    labels: ['version'],
    help: 'Always 1, labelled with the version (content hash) of the live route table.',
  },
  objects: {
    name: 'pointsman_objects',
    type: 'gauge',
    labels: ['kind', 'state', 'reason'],
    help: 'Objects by kind and state (accepted, rejected, ignored), with the reason code of their first problem.',
  },
  reloads: {
    name: 'pointsman_reloads_total',
    type: 'counter',
    labels: [],
    help: 'Route tables swapped into the data plane (the first one included).',
  },
  lastReload: {
    name: 'pointsman_last_reload_timestamp_seconds',
    type: 'gauge',
    labels: [],
    help: 'When the live route table was swapped in (Unix time, seconds).',
  },
  statusWrites: {
    name: 'pointsman_status_writes_total',
    type: 'counter',
    labels: ['outcome'],
    help: 'Writes of Ingress status and Events to the Kubernetes API, by outcome.',
  },
  watchRestarts: {
    name: 'pointsman_watch_restarts_total',
    type: 'counter',
    labels: ['kind'],
    help: 'Restarts of a Kubernetes watch after an error, by object kind.',
  },
  leader: {
    name: 'pointsman_leader',
    type: 'gauge',
    labels: [],
    help: '1 while this process is the elected leader that writes status, else 0.',
  },
  certificateNotAfter: {
    name: 'pointsman_tls_certificate_not_after_seconds',
    type: 'gauge',
    labels: ['namespace', 'secret'],
    help: 'When the certificate of a TLS Secret in use expires (Unix time, seconds).',
  },
  accessLogDropped: {
    name: 'pointsman_access_log_dropped_lines_total',
    type: 'counter',
    labels: [],
    help: 'Access log lines dropped because their destination fell 16 MiB behind (a stalled reader or disk).',
  },
  workers: {
    name: 'pointsman_workers',
    type: 'gauge',
    labels: [],
    help: 'Data-plane processes serving now: the running workers of --workers N, or 1 for a single process.',
    aggregate: 'first',
  },
  workerRestarts: {
    name: 'pointsman_worker_restarts_total',
    type: 'counter',
    labels: [],
    help: 'Data-plane workers that died and were started again by the control plane.',
    aggregate: 'first',
  },
  tableApply: {
    name: 'pointsman_table_apply_seconds',
    type: 'histogram',
    labels: [],
    help: 'Time a data-plane worker took to apply a route table (decode, compile, swap); workers only.',
    buckets: CONTROL_BUCKETS,
  },
} as const satisfies Record<string, MetricDefinition>;

/** The key of a metric in {@link METRICS}. */
export type MetricKey = keyof typeof METRICS;

/**
 * Prefixes of the metrics prom-client's default collectors add (process CPU and memory, event
 * loop lag, heap, GC); docs/metrics.md describes them as a group.
 */
export const DEFAULT_METRIC_PREFIXES: readonly string[] = ['process_', 'nodejs_'];
