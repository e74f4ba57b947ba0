import type { AddressInfo } from 'node:net';
import {
  createProxy,
  createResilience,
  LocalLimits,
  TableHolder,
  type EndpointHealth,
  type HealthEvent,
  type LimitCounter,
  type OutlierSettings,
  type ProxyOptions,
  type RequestObserver,
  type RetryBudgetSettings,
} from '../dataplane/index.ts';
import type { Logger } from '../observability/index.ts';
import { prepareHttps, type HttpsConfig } from './https-runtime.ts';

/** What the proxies of one process need: the serve settings of the data plane. */
export interface DataPlaneConfig {
  readonly proxy: Omit<ProxyOptions, 'tables' | 'logger' | 'limits'>;
  /**
   * Where the limit-* annotations are counted: the workers' shared counter; absent, one
   * counter in this process for both listeners.
   */
  readonly limits?: LimitCounter;
  readonly resilience?: {
    readonly outlier?: OutlierSettings;
    readonly retryBudget?: RetryBudgetSettings;
  };
  readonly proxyProtocol?: { readonly http: boolean; readonly https: boolean };
  readonly https?: HttpsConfig;
}

/** What the data plane reports to the process's telemetry. */
export interface DataPlaneTelemetry {
  readonly observer: RequestObserver | null;
  readonly onHealthEvent: (event: HealthEvent) => void;
  trackHealth(health: EndpointHealth): void;
  trackListener(
    name: string,
    stats: () => ReturnType<ReturnType<typeof createProxy>['stats']>,
  ): void;
}

/** Where and how the listeners bind. */
export interface DataPlaneListen {
  readonly bind: string;
  readonly httpPort: number;
  /** The HTTPS port; the configured one when absent. */
  readonly httpsPort?: number;
  /** SO_REUSEPORT: the workers of one controller share the ports. */
  readonly reusePort?: boolean;
}

/** The proxies of one process, the table they read, and their passive health. */
export interface DataPlane {
  readonly holder: TableHolder;
  readonly health: EndpointHealth;
  /** Binds HTTPS first (so redirects from HTTP can name its port), then HTTP. */
  listen(where: DataPlaneListen): Promise<{ http: AddressInfo; https: AddressInfo | null }>;
  /** Stops accepting and lets requests finish, at most `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Wires the proxies of one process: the table holder (with the HTTPS certificates), passive
 * health and the retry budget (one for both listeners: a Pod that fails HTTPS requests is
 * avoided by plain HTTP ones too), the limit counters (one for both listeners, as
 * ingress-nginx's zones span every server), the HTTP proxy and, when configured, the HTTPS one. The
 * single-process controller and each data-plane worker run this same wiring.
 */
export function createDataPlane(
  config: DataPlaneConfig,
  logger: Logger,
  telemetry: DataPlaneTelemetry,
): DataPlane {
  const https = config.https === undefined ? null : prepareHttps(config.https, logger);
  const holder = new TableHolder(https === null ? {} : { certificates: https.certificates });
  const resilience = createResilience({
    ...config.resilience,
    logger,
    onEvent: telemetry.onHealthEvent,
  });
  telemetry.trackHealth(resilience.health);
  const ownLimits = config.limits === undefined ? new LocalLimits() : null;
  const limits: LimitCounter = config.limits ?? (ownLimits as LocalLimits);
  const proxy = createProxy({
    ...config.proxy,
    resilience,
    limits,
    proxyProtocol: config.proxyProtocol?.http ?? false,
    tables: holder,
    logger,
    observer: telemetry.observer,
    ...(https === null ? {} : { httpsRedirect: https.redirect }),
  });
  telemetry.trackListener('http', () => proxy.stats());
  const httpsProxy =
    https?.createProxy({
      ...config.proxy,
      tables: holder,
      logger,
      observer: telemetry.observer,
      listener: 'https',
      resilience,
      limits,
      proxyProtocol: config.proxyProtocol?.https ?? false,
    }) ?? null;
  if (httpsProxy !== null) telemetry.trackListener('https', () => httpsProxy.stats());
  return {
    holder,
    health: resilience.health,
    listen: async (where) => {
      const reuse = { reusePort: where.reusePort === true };
      const httpsAddress =
        https === null
          ? null
          : await https.listen(where.bind, {
              ...reuse,
              ...(where.httpsPort === undefined ? {} : { port: where.httpsPort }),
            });
      const http = await proxy.listen(where.httpPort, where.bind, reuse);
      return { http, https: httpsAddress };
    },
    close: async (graceMs) => {
      await Promise.all([proxy.close(graceMs), httpsProxy?.close(graceMs)]);
      ownLimits?.clear();
    },
  };
}
