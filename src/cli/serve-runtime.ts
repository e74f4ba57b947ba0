import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ControlLoop, FilesSource, type TableSink } from '../control/index.ts';
import {
  DEFAULT_CERTIFICATE_NAME,
  generateSelfSigned,
  type EndpointHealthEntry,
  type OutlierSettings,
  type ProxyOptions,
  type RetryBudgetSettings,
} from '../dataplane/index.ts';
import {
  createAdminServer,
  createStatusServer,
  createTelemetry,
  DEFAULT_TELEMETRY,
  type Logger,
  type MetricsSource,
  type Telemetry,
  type TelemetrySettings,
} from '../observability/index.ts';
import { ObjectStore } from '../store/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { ingressOwnership, type TranslateOptions } from '../translate/index.ts';
import { createKubernetesSource, type KubernetesMode } from '../sources/kubernetes/index.ts';
import {
  connectStatusClient,
  startStatus,
  type RunningStatus,
  type StatusSettings,
} from '../status/index.ts';
import {
  aggregatedMetrics,
  LimitHost,
  migratesQueuedConnections,
  WorkerPool,
} from '../workers/index.ts';
import { createDataPlane } from './data-plane-runtime.ts';
import type { HttpsConfig } from './https-runtime.ts';

/** Everything `serve` (and `demo`) needs to run the controller. */
export interface ServeConfig {
  readonly manifests: readonly string[];
  readonly translate: TranslateOptions;
  readonly bind: string;
  readonly httpPort: number;
  readonly adminBind: string;
  readonly adminPort: number;
  /** The status page, `/debug/*` and `/api/*`; the command keeps it on loopback by default. */
  readonly statusBind: string;
  readonly statusPort: number;
  readonly proxy: Omit<ProxyOptions, 'tables' | 'logger'>;
  /** Passive health (outlier ejection) and retry budget settings; defaults when absent. */
  readonly resilience?: {
    readonly outlier?: OutlierSettings;
    readonly retryBudget?: RetryBudgetSettings;
  };
  /** The listeners whose connections open with a PROXY protocol header; none when absent. */
  readonly proxyProtocol?: { readonly http: boolean; readonly https: boolean };
  readonly logger: Logger;
  /** The HTTPS listener (on `bind`); none when absent. */
  readonly https?: HttpsConfig;
  /** Metrics and access log; metrics on and the access log on standard output when absent. */
  readonly telemetry?: TelemetrySettings;
  /**
   * Objects of other sources by source id, put in the store before the first translation; they
   * win over the manifests' objects of the same identity (the demo's Pod addresses use this).
   */
  readonly extraObjects?: ReadonlyMap<string, readonly StoredObject[]>;
  /**
   * Watch a cluster too (or only, when `manifests` is empty). Its objects rank after the
   * manifests' ones of the same identity.
   */
  readonly kubernetes?: KubernetesMode | null;
  /**
   * Leader election, Ingress status and Events; used only with `kubernetes`. Absent or
   * disabled: this replica never writes to the API.
   */
  readonly status?: StatusSettings;
  /**
   * Data-plane workers: 1 (the default) proxies in this process; N > 1 forks N worker
   * processes that share the listening ports, and this process is the control plane only.
   */
  readonly workers?: number;
}

/** A running controller: its bound addresses, its store, and a graceful stop. */
export interface RunningServe {
  readonly http: AddressInfo;
  /** null when no HTTPS listener was configured. */
  readonly https: AddressInfo | null;
  /** The probe listener: `/healthz`, `/readyz`, `/metrics`. */
  readonly admin: AddressInfo;
  /** The status listener: the status page, `/debug/*`, `/api/*`. */
  readonly statusPage: AddressInfo;
  readonly store: ObjectStore;
  /** Readiness off, listeners closed, in-flight requests finished (at most `graceMs`), all closed. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Wires the controller together: manifests and/or cluster -> store -> control loop -> table
 * holder -> proxy, with the probe and status listeners looking on. Resolves once every listener
 * is bound and the first route table is live. Readiness: the control loop starts (and so builds
 * its first table, which turns `/readyz` to 200) only after every source has synced: the
 * manifests loaded, and every Kubernetes kind listed once. Until then only those two listen.
 */
export async function startServe(config: ServeConfig): Promise<RunningServe> {
  const { logger } = config;
  const extra = config.extraObjects ?? new Map<string, readonly StoredObject[]>();
  const store = new ObjectStore({ sourcePriority: [...extra.keys(), 'files', 'kubernetes'] });
  for (const [source, objects] of extra) store.replaceSource(source, objects);
  const defaultSecret = config.translate.defaultCertificate;
  const telemetry = createTelemetry(config.telemetry ?? DEFAULT_TELEMETRY, { logger });
  const kube = config.kubernetes
    ? await createKubernetesSource(config.kubernetes, {
        store,
        logger,
        extraSecrets: defaultSecret ? [defaultSecret] : [],
        onWatchRestart: telemetry.onWatchRestart,
        ownership: ingressOwnership(config.translate),
      })
    : null;
  const statusClient =
    config.kubernetes && config.status?.enabled === true
      ? await connectStatusClient(config.kubernetes.connection)
      : null;
  const files =
    config.manifests.length > 0
      ? new FilesSource({ paths: config.manifests, store, logger })
      : null;
  const plane =
    (config.workers ?? 1) > 1 ? workerPlane(config, telemetry) : localPlane(config, telemetry);
  const loop = new ControlLoop({
    store,
    holder: plane.sink,
    logger,
    translateOptions: config.translate,
    diagnostics: () => files?.diagnostics ?? [],
    onRebuildDone: telemetry.onRebuildDone,
  });
  telemetry.watchControlLoop(loop);
  let statusAddress: AddressInfo | null = null;
  const admin = createAdminServer({
    status: loop,
    logger,
    metrics: plane.metrics,
    statusListener: () => statusAddress,
    ...(plane.probes === undefined ? {} : { dataPlane: plane.probes }),
  });
  const statusPage = createStatusServer({
    status: loop,
    logger,
    metricsOn: telemetry.metrics !== null,
    traffic: telemetry.traffic,
    health: plane.health,
  });
  let status: RunningStatus | null = null;
  const stopAll = async (graceMs: number): Promise<void> => {
    admin.setShuttingDown();
    statusPage.setShuttingDown();
    // The Lease goes first, so that another replica takes over the writing while we drain.
    await status?.stop();
    files?.close();
    await kube?.source.close();
    loop.close();
    await plane.close(graceMs);
    await telemetry.close();
    await Promise.all([admin.close(), statusPage.close()]);
    store.close();
  };
  try {
    statusAddress = await statusPage.listen(config.statusPort, config.statusBind);
    const adminAddress = await admin.listen(config.adminPort, config.adminBind);
    await files?.start();
    kube?.source.start();
    await kube?.source.synced;
    loop.start();
    if (statusClient !== null && config.status !== undefined && kube !== null) {
      const { source } = kube;
      status = startStatus({
        loop,
        client: statusClient,
        settings: config.status,
        logger,
        lookupIngress: (namespace, name) => source.get('Ingress', namespace, name),
        onLeaderChange: telemetry.onLeaderChange,
        onWrite: telemetry.onStatusWrite,
      });
    }
    const { http: httpAddress, https: httpsAddress } = await plane.listen();
    logger.info(
      {
        component: 'serve',
        http: httpAddress,
        https: httpsAddress,
        admin: adminAddress,
        statusPage: statusAddress,
      },
      'pointsman is serving',
    );
    return {
      http: httpAddress,
      https: httpsAddress,
      admin: adminAddress,
      statusPage: statusAddress,
      store,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll(0);
    throw error;
  }
}

/** The data plane as the control loop, the probe and the status listeners see it. */
interface PlaneWiring {
  readonly sink: TableSink;
  readonly metrics: MetricsSource | null;
  readonly health: { snapshot(): EndpointHealthEntry[] };
  /** What the probes ask of the workers; absent for `--workers 1`. */
  readonly probes?: { live(): boolean; serving(): boolean };
  listen(): Promise<{ http: AddressInfo; https: AddressInfo | null }>;
  close(graceMs: number): Promise<void>;
}

/** `--workers 1`: the proxies run in this process, beside the control plane. */
function localPlane(config: ServeConfig, telemetry: Telemetry): PlaneWiring {
  const plane = createDataPlane(config, config.logger, telemetry);
  return {
    sink: plane.holder,
    metrics: telemetry.metrics,
    health: plane.health,
    listen: () => plane.listen({ bind: config.bind, httpPort: config.httpPort }),
    close: (graceMs) => plane.close(graceMs),
  };
}

/**
 * `--workers N`, N > 1: N worker processes run the proxies; this process feeds them tables,
 * writes their access log lines and counts their traffic, and serves their metrics summed.
 */
function workerPlane(config: ServeConfig, telemetry: Telemetry): PlaneWiring {
  const { https } = config;
  const limits = new LimitHost(config.logger);
  const pool = new WorkerPool({
    count: config.workers ?? 1,
    entry: fileURLToPath(new URL('../../bin/pointsman-worker.js', import.meta.url)),
    logger: config.logger,
    setup: {
      logLevel: config.logger.level,
      bind: config.bind,
      httpPort: config.httpPort,
      proxy: withoutKey(config.proxy),
      ...(config.proxy.sessionCookieKey === undefined
        ? {}
        : { sessionCookieKey: [...config.proxy.sessionCookieKey] }),
      ...(config.resilience === undefined ? {} : { resilience: config.resilience }),
      ...(config.proxyProtocol === undefined ? {} : { proxyProtocol: config.proxyProtocol }),
      https:
        https === undefined
          ? null
          : {
              ...https,
              // One generated certificate for all workers: a client sees the same one on any.
              fallback: https.fallback ?? generateSelfSigned({ dnsName: DEFAULT_CERTIFICATE_NAME }),
              ticketKeys: https.ticketKeys ?? randomBytes(48),
            },
      limits: limits.address,
      metrics: telemetry.metrics !== null,
      accessLog:
        (config.telemetry ?? DEFAULT_TELEMETRY).accessLog.target.kind === 'off'
          ? null
          : (config.telemetry ?? DEFAULT_TELEMETRY).accessLog,
    },
    onLog: (text) => {
      telemetry.writeAccessLines(text);
    },
    onTraffic: (counts) => {
      for (const [namespace, name, status, count] of counts) {
        telemetry.traffic?.count(namespace, name, status, count);
      }
    },
  });
  telemetry.metrics?.trackWorkers({ running: () => pool.running, restarts: () => pool.restarts });
  // Said once at start, so that an operator reading a crash's resets knows where they came from.
  const migrates = migratesQueuedConnections();
  if (migrates !== true) {
    config.logger.info(
      { tcpMigrateReq: migrates === null ? 'unknown' : 0 },
      'a worker killed outright resets the new connections the kernel queued on it before its ' +
        'sockets closed; net.ipv4.tcp_migrate_req=1 hands them to the other workers (docs/workers.md)',
    );
  }
  return {
    sink: pool,
    metrics: telemetry.metrics === null ? null : aggregatedMetrics(telemetry.metrics, pool),
    health: { snapshot: () => pool.health() },
    probes: { live: () => pool.live, serving: () => pool.running > 0 },
    listen: async () => {
      await limits.start();
      return pool.start();
    },
    close: async (graceMs) => {
      // The workers count in the service until they stop; then it goes.
      await pool.close(graceMs);
      await limits.close();
    },
  };
}

/** The proxy settings without the session cookie key, which travels as a list of bytes. */
function withoutKey(proxy: ServeConfig['proxy']): Omit<ServeConfig['proxy'], 'sessionCookieKey'> {
  const rest = { ...proxy };
  delete rest.sessionCookieKey;
  return rest;
}
