import { DEFAULT_CLOSE_GRACE_MS, PROXY_DEFAULTS, type ProxyOptions } from '../dataplane/index.ts';
import { createLogger, type Logger, type TelemetrySettings } from '../observability/index.ts';
import { parseNginxSize } from '../translate/index.ts';
import { parseDuration, parseInteger } from './duration.ts';
import {
  INPUT_FLAGS,
  INPUT_FLAGS_HELP,
  manifestPaths,
  parseFlags,
  translateOptionsFrom,
} from './flags.ts';
import { defaultWorkerCount } from '../workers/index.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { startServe, type RunningServe, type ServeConfig } from './serve-runtime.ts';
import { TELEMETRY_FLAGS, TELEMETRY_FLAGS_HELP, telemetrySettingsFrom } from './telemetry-flags.ts';
import { untilSignal } from './signals.ts';
import { TLS_FLAGS, TLS_FLAGS_HELP, tlsSettingsFrom } from './tls-flags.ts';
import { HTTP2_FLAGS, HTTP2_FLAGS_HELP, http2SettingsFrom } from './http2-flags.ts';
import {
  ACCESS_LIMIT_FLAGS,
  ACCESS_LIMIT_FLAGS_HELP,
  accessLimitOptionsFrom,
} from './access-limit-flags.ts';
import {
  CLIENT_ADDRESS_FLAGS,
  CLIENT_ADDRESS_FLAGS_HELP,
  clientAddressSettingsFrom,
} from './client-address-flags.ts';
import { KUBERNETES_FLAGS, KUBERNETES_FLAGS_HELP, kubernetesModeOf } from './kubernetes-flags.ts';
import {
  RESILIENCE_FLAGS,
  RESILIENCE_FLAGS_HELP,
  resilienceSettingsFrom,
} from './resilience-flags.ts';
import {
  SESSION_COOKIE_FLAGS,
  SESSION_COOKIE_FLAGS_HELP,
  sessionCookieKeyFrom,
} from './session-cookie-flags.ts';
import { STATUS_FLAGS, STATUS_FLAGS_HELP, statusSettingsFrom } from './status-flags.ts';
import {
  STATUS_PAGE_FLAGS,
  STATUS_PAGE_FLAGS_HELP,
  statusPageSettingsFrom,
} from './status-page-flags.ts';

const seconds = (ms: number): string =>
  ms % 1000 === 0 ? `${String(ms / 1000)}s` : `${String(ms)}ms`;

/** Flags of `serve` beyond the input flags; `demo` shares them. */
export const SERVE_FLAGS = {
  'http-port': { type: 'string' },
  'admin-port': { type: 'string' },
  bind: { type: 'string' },
  'admin-bind': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'response-header-timeout': { type: 'string' },
  'trusted-proxies': { type: 'string' },
  'max-header-size': { type: 'string' },
  'header-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'keepalive-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-connections-per-client': { type: 'string' },
  'tunnel-idle-timeout': { type: 'string' },
  'proxy-body-size': { type: 'string' },
  'shutdown-grace': { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string' },
  ...TELEMETRY_FLAGS,
} as const;

/** Help text of {@link SERVE_FLAGS}, with the defaults a given command uses. */
export function serveFlagsHelp(defaults: { bind: string; adminBind: string }): string {
  const d = PROXY_DEFAULTS;
  return `
      --http-port PORT            HTTP listener port (default: 8080; 0 picks a free one)
      --bind ADDR                 address of the HTTP listener (default: ${defaults.bind})
      --admin-port PORT           probe listener port: /healthz, /readyz, /metrics (default: 10254)
      --admin-bind ADDR           address of the probe listener (default: ${defaults.adminBind}); in a
                                  Pod it must take the Pod IP: the kubelet's probes and the
                                  Prometheus scraper come from outside the Pod
${STATUS_PAGE_FLAGS_HELP}
      --connect-timeout DUR       upstream connect timeout, then 504 (default: ${seconds(d.connectTimeoutMs)})
      --response-header-timeout DUR
                                  wait for upstream response headers, then 504 (default: ${seconds(d.responseHeadersTimeoutMs)})
      --trusted-proxies LIST      comma-separated IPs/CIDRs whose X-Forwarded-* headers are kept
                                  (default: none)
      --max-header-size BYTES     largest request head, else 431 (default: ${String(d.maxHeaderSize)})
      --header-timeout DUR        time to send the request head, else 408 (default: ${seconds(d.headersTimeoutMs)})
      --request-timeout DUR       time to send the whole request, 0 = off (default: ${seconds(d.requestTimeoutMs)})
      --keepalive-timeout DUR     idle client keep-alive connections are closed after (default: ${seconds(d.keepAliveTimeoutMs)})
      --max-connections N         most client connections at once; at the limit the longest idle
                                  one is closed for a new one (default: ${String(d.maxConnections)})
      --max-connections-per-client N
                                  most connections from one address (IPv6: one /64), trusted
                                  proxies exempt (default: a tenth of --max-connections, at least 1)
      --tunnel-idle-timeout DUR   WebSocket and other upgraded connections idle both ways are
                                  closed after, 0 = off (default: ${seconds(d.tunnelIdleTimeoutMs)})
      --proxy-body-size SIZE      largest request body (8m, 512k, bytes), else 413, for routes
                                  without proxy-body-size; 0 = no limit (default: 0)
      --shutdown-grace DUR        on SIGTERM/SIGINT, time for in-flight requests (default: ${seconds(DEFAULT_CLOSE_GRACE_MS)})
      --log-level LEVEL           fatal, error, warn, info, debug or trace (default: info)
      --workers N|auto            proxy worker processes sharing the listening ports, fed by this
                                  process (the control plane); auto: one per CPU this process may
                                  use, capped by its cgroup CPU and memory limits (${String(defaultWorkerCount())} here).
                                  1 runs the proxies in this process (default: auto; docs/workers.md)
${TELEMETRY_FLAGS_HELP}
${TLS_FLAGS_HELP}
  Durations: 500ms, 5s, 2m, or a number of seconds.`;
}

/** Help for `pointsman serve`. */
export const SERVE_HELP = `Usage: pointsman serve --manifests PATH... [options]
       pointsman serve --kubeconfig PATH | --in-cluster [--manifests PATH...] [options]

Runs the controller: serves HTTP traffic by the Ingresses in the manifests and/or the cluster,
forwarding each request to a ready endpoint of the Service its rule names. The manifests and
the cluster are watched; changes apply within a fraction of a second without dropping a request
or a connection. A broken edit keeps the last good version of what it broke, and the log and
/debug/results say what and where.
${INPUT_FLAGS_HELP}
${KUBERNETES_FLAGS_HELP}
${STATUS_FLAGS_HELP}
${HTTP2_FLAGS_HELP}
${ACCESS_LIMIT_FLAGS_HELP}
${RESILIENCE_FLAGS_HELP}
${CLIENT_ADDRESS_FLAGS_HELP}
${SESSION_COOKIE_FLAGS_HELP}
${serveFlagsHelp({ bind: '0.0.0.0', adminBind: '0.0.0.0' })}

Probe listener (--admin-port): /healthz, /readyz (200 once the first route table is live) and
/metrics (Prometheus); every other path answers 404.
Status listener (--status-port, loopback only): the status page at /, /debug/routes (the route
table as JSON), /debug/results (per-object results and load problems), and the JSON views of
docs/admin-api.md under /api/. In a cluster: kubectl -n NS port-forward deploy/pointsman 10255,
then open http://127.0.0.1:10255/.
Exit status: 0 after a graceful shutdown, 1 when it cannot start, 2 usage error.
`;

type ServeValues = { readonly [K in keyof typeof SERVE_FLAGS]?: string | undefined };

/** The proxy, listener and logging settings given on the command line. */
export function serveSettingsFrom(
  values: ServeValues,
  defaults: { bind: string; adminBind: string; httpPort: number; adminPort: number },
): {
  bind: string;
  adminBind: string;
  httpPort: number;
  adminPort: number;
  proxy: Omit<ProxyOptions, 'tables' | 'logger'>;
  graceMs: number;
  logLevel: string;
  workers: number;
  telemetry: TelemetrySettings;
} {
  const port = (flag: 'http-port' | 'admin-port', fallback: number): number => {
    const value = values[flag];
    return value === undefined ? fallback : parseInteger(flag, value, 0, 65535);
  };
  const duration = (flag: keyof ServeValues, fallback: number): number => {
    const value = values[flag];
    return value === undefined ? fallback : parseDuration(flag, value);
  };
  const d = PROXY_DEFAULTS;
  const logLevel = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new UsageError(`--log-level must be fatal, error, warn, info, debug or trace`);
  }
  const maxHeader = values['max-header-size'];
  const maxConnections = values['max-connections'];
  const perClient = values['max-connections-per-client'];
  return {
    bind: values.bind ?? defaults.bind,
    adminBind: values['admin-bind'] ?? defaults.adminBind,
    httpPort: port('http-port', defaults.httpPort),
    adminPort: port('admin-port', defaults.adminPort),
    graceMs: duration('shutdown-grace', DEFAULT_CLOSE_GRACE_MS),
    logLevel,
    workers: workerCount(values.workers),
    telemetry: telemetrySettingsFrom(values),
    proxy: {
      connectTimeoutMs: duration('connect-timeout', d.connectTimeoutMs),
      responseHeadersTimeoutMs: duration('response-header-timeout', d.responseHeadersTimeoutMs),
      headersTimeoutMs: duration('header-timeout', d.headersTimeoutMs),
      requestTimeoutMs: duration('request-timeout', d.requestTimeoutMs),
      keepAliveTimeoutMs: duration('keepalive-timeout', d.keepAliveTimeoutMs),
      trustedProxies: (values['trusted-proxies'] ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
      maxHeaderSize:
        maxHeader === undefined
          ? d.maxHeaderSize
          : parseInteger('max-header-size', maxHeader, 1024, 1024 * 1024),
      maxConnections:
        maxConnections === undefined
          ? d.maxConnections
          : parseInteger('max-connections', maxConnections, 1, 1_000_000),
      // Absent, it follows --max-connections (see defaultMaxConnectionsPerClient).
      ...(perClient === undefined
        ? {}
        : {
            maxConnectionsPerClient: parseInteger(
              'max-connections-per-client',
              perClient,
              1,
              1_000_000,
            ),
          }),
      tunnelIdleTimeoutMs: duration('tunnel-idle-timeout', d.tunnelIdleTimeoutMs),
      maxBodyBytes: bodySize(values['proxy-body-size'], d.maxBodyBytes),
    },
  };
}

/** `--workers`: a count, or `auto` (the default) for one per usable CPU. */
function workerCount(value: string | undefined): number {
  if (value === undefined || value.trim() === 'auto') return defaultWorkerCount();
  return parseInteger('workers', value, 1, 256);
}

/** `--proxy-body-size`, in nginx's size syntax as the annotation of that name. */
function bodySize(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const bytes = parseNginxSize(value.trim());
  if (typeof bytes !== 'number') throw new UsageError(`--proxy-body-size: ${bytes.problem}`);
  return bytes;
}

/** Every flag `pointsman serve` takes. */
export const SERVE_COMMAND_FLAGS = {
  ...INPUT_FLAGS,
  ...SERVE_FLAGS,
  ...STATUS_PAGE_FLAGS,
  ...TLS_FLAGS,
  ...KUBERNETES_FLAGS,
  ...STATUS_FLAGS,
  ...HTTP2_FLAGS,
  ...ACCESS_LIMIT_FLAGS,
  ...RESILIENCE_FLAGS,
  ...CLIENT_ADDRESS_FLAGS,
  ...SESSION_COOKIE_FLAGS,
} as const;

/** `pointsman serve`. */
export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, SERVE_COMMAND_FLAGS, false);
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  const tls = tlsSettingsFrom(values, { httpsPort: 8443 });
  const settings = serveSettingsFrom(values, {
    bind: '0.0.0.0',
    adminBind: '0.0.0.0',
    httpPort: 8080,
    adminPort: 10254,
  });
  const logger = createLogger({ level: settings.logLevel });
  const kubernetes = kubernetesModeOf(values);
  if (!kubernetes && !values.manifests?.length) {
    throw new UsageError('--manifests PATH, --kubeconfig PATH or --in-cluster is required');
  }
  const clusterOnly = Object.keys(STATUS_FLAGS).find((flag) => flag in values);
  if (!kubernetes && clusterOnly !== undefined) {
    throw new UsageError(`--${clusterOnly} needs a cluster: add --kubeconfig PATH or --in-cluster`);
  }
  const clients = clientAddressSettingsFrom(values);
  const resilience = resilienceSettingsFrom(values);
  const config: ServeConfig = {
    ...settings,
    ...statusPageSettingsFrom(values),
    proxy: {
      ...settings.proxy,
      ...http2SettingsFrom(values),
      ...clients.proxy,
      sessionCookieKey: sessionCookieKeyFrom(values),
      retries: resilience.retries,
    },
    resilience: { outlier: resilience.outlier, retryBudget: resilience.retryBudget },
    proxyProtocol: clients.proxyProtocol,
    manifests: kubernetes ? (values.manifests ?? []) : manifestPaths(values.manifests),
    kubernetes,
    ...(kubernetes === null ? {} : { status: statusSettingsFrom(values) }),
    translate: {
      ...translateOptionsFrom(values),
      ...accessLimitOptionsFrom(values),
      defaultCertificate: tls.defaultCertificate,
      sslPassthrough: tls.sslPassthrough,
    },
    https: tls.https,
    logger,
  };
  return runUntilSignal(config, settings.graceMs, logger, io);
}

/** Starts the controller, waits for SIGTERM or SIGINT, then shuts down gracefully. */
export async function runUntilSignal(
  config: ServeConfig,
  graceMs: number,
  logger: Logger,
  io: CliIo,
  started?: (running: RunningServe) => Promise<void> | void,
): Promise<number> {
  let running: RunningServe;
  try {
    running = await startServe(config);
  } catch (error) {
    io.err(`pointsman: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    logger.flush();
    return EXIT.inputErrors;
  }
  await started?.(running);
  const signal = await untilSignal(['SIGTERM', 'SIGINT']);
  logger.info({ component: 'serve', signal, graceMs }, 'shutting down');
  await running.stop(graceMs);
  logger.info({ component: 'serve' }, 'stopped');
  logger.flush();
  return EXIT.ok;
}
