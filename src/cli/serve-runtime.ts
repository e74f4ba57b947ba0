import type { AddressInfo } from 'node:net';
import { ControlLoop, FilesSource } from '../control/index.ts';
import {
  createProxy,
  createResilience,
  TableHolder,
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
import { prepareHttps, type HttpsConfig } from './https-runtime.ts';

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
  const https = config.https === undefined ? null : prepareHttps(config.https, logger);
  const holder = new TableHolder(https === null ? {} : { certificates: https.certificates });
  const files =
    config.manifests.length > 0
      ? new FilesSource({ paths: config.manifests, store, logger })
      : null;
  const loop = new ControlLoop({
    store,
    holder,
    logger,
    translateOptions: config.translate,
    diagnostics: () => files?.diagnostics ?? [],
    onRebuildDone: telemetry.onRebuildDone,
  });
  telemetry.watchControlLoop(loop);
  // One for both listeners: a Pod that fails HTTPS requests is avoided by plain HTTP ones too.
  const resilience = createResilience({
    ...config.resilience,
    logger,
    onEvent: telemetry.onHealthEvent,
  });
  telemetry.trackHealth(resilience.health);
  const proxy = createProxy({
    ...config.proxy,
    resilience,
    proxyProtocol: config.proxyProtocol?.http ?? false,
    tables: holder,
    logger,
    observer: telemetry.observer,
    ...(https === null ? {} : { httpsRedirect: https.redirect }),
  });
  telemetry.trackListener('http', () => proxy.stats());
  const httpsOptions = {
    tables: holder,
    logger,
    observer: telemetry.observer,
    listener: 'https',
    resilience,
  };
  const httpsProxy =
    https?.createProxy({
      ...config.proxy,
      ...httpsOptions,
      proxyProtocol: config.proxyProtocol?.https ?? false,
    }) ?? null;
  if (httpsProxy !== null) telemetry.trackListener('https', () => httpsProxy.stats());
  let statusAddress: AddressInfo | null = null;
  const admin = createAdminServer({
    status: loop,
    logger,
    metrics: telemetry.metrics,
    statusListener: () => statusAddress,
  });
  const statusPage = createStatusServer({
    status: loop,
    logger,
    metricsOn: telemetry.metrics !== null,
    traffic: telemetry.traffic,
    health: resilience.health,
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
    await Promise.all([proxy.close(graceMs), httpsProxy?.close(graceMs)]);
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
    // HTTPS first: with --https-port 0, redirects name its port only once it is bound.
    const httpsAddress = https === null ? null : await https.listen(config.bind);
    const httpAddress = await proxy.listen(config.httpPort, config.bind);
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
