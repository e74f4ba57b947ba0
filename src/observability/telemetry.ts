import type {
  EndpointHealth,
  HealthEvent,
  Proxy,
  RequestObserver,
  RequestRecord,
} from '../dataplane/index.ts';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import {
  createAccessLog,
  DEFAULT_ACCESS_LOG,
  type AccessLog,
  type AccessLogSettings,
} from './access-log.ts';
import type { Logger } from './logger.ts';
import { Metrics, type TranslationOutcome } from './metrics/index.ts';
import { TrafficHistory } from './traffic-history.ts';

/** What the observability flags of `serve` set. */
export interface TelemetrySettings {
  /** Request and control-plane metrics, `/metrics` and the traffic history. */
  readonly metrics: boolean;
  readonly accessLog: AccessLogSettings;
}

/** Metrics on, access log on standard output. */
export const DEFAULT_TELEMETRY: TelemetrySettings = Object.freeze({
  metrics: true,
  accessLog: DEFAULT_ACCESS_LOG,
});

/** The part of the control loop telemetry listens to. */
export interface ObservedControlLoop {
  onTableLive(listener: (event: { readonly table: RouteTable }) => void): () => void;
  onRebuild(listener: (event: { readonly results: readonly ObjectResult[] }) => void): () => void;
}

/** Options of {@link createTelemetry} beyond the settings. */
export interface TelemetryOptions {
  readonly logger: Logger;
  /** Unix milliseconds; `Date.now` by default. */
  readonly now?: () => number;
  /** Replaces the access log's stream (tests). */
  readonly accessLogDestination?: NodeJS.WritableStream;
  /** Access log lines go here instead of to the target (a data-plane worker's relay). */
  readonly accessLogSink?: (line: string) => void;
  /** Counts traffic instead of a TrafficHistory of this process (a worker's relay). */
  readonly trafficObserver?: RequestObserver;
  /** prom-client's process metrics (CPU, memory, event loop, GC); default true. */
  readonly processMetrics?: boolean;
}

/** The metrics, traffic history and access log of one process, wired together. */
export interface Telemetry {
  /** Null with `--metrics off`. */
  readonly metrics: Metrics | null;
  /** Per-Ingress counts for the status page; null with `--metrics off`. */
  readonly traffic: TrafficHistory | null;
  /** What each proxy is given as its observer; null when nothing listens. */
  readonly observer: RequestObserver | null;
  /** Tells the metrics about a control loop's tables and results. */
  watchControlLoop(loop: ObservedControlLoop): void;
  /** The control loop's `onRebuildDone` option: each translation's outcome and duration. */
  readonly onRebuildDone: (outcome: TranslationOutcome, seconds: number) => void;
  /** Reports a proxy's open connections (its `stats()`) as listener `name`. */
  trackListener(name: string, stats: Proxy['stats']): void;
  /** The Kubernetes source's `onWatchRestart`: a watch of `kind` restarted after a failure. */
  readonly onWatchRestart: (kind: string) => void;
  /** The status writer's `onLeaderChange`: this process started or stopped leading. */
  readonly onLeaderChange: (leading: boolean) => void;
  /** The status writer's `onWrite`: how one status or Event write ended. */
  readonly onStatusWrite: (outcome: string) => void;
  /** createResilience's `onEvent`: an endpoint left or came back into rotation. */
  readonly onHealthEvent: (event: HealthEvent) => void;
  /** Reports the endpoints out of rotation of the process's passive health at each scrape. */
  trackHealth(health: EndpointHealth): void;
  /** Writes access log lines a data-plane worker formatted; nothing without an access log. */
  writeAccessLines(text: string): void;
  /** Stops the metrics' background work and flushes the access log. */
  close(): Promise<void>;
}

/** Creates the telemetry the settings ask for. */
export function createTelemetry(settings: TelemetrySettings, options: TelemetryOptions): Telemetry {
  const now = options.now ?? Date.now;
  const metrics = settings.metrics
    ? new Metrics({ processMetrics: options.processMetrics ?? true })
    : null;
  const traffic =
    settings.metrics && options.trafficObserver === undefined ? new TrafficHistory({ now }) : null;
  const accessLog: AccessLog | null = createAccessLog({
    ...settings.accessLog,
    logger: options.logger,
    ...(options.accessLogDestination === undefined
      ? {}
      : { destination: options.accessLogDestination }),
    ...(options.accessLogSink === undefined ? {} : { sink: options.accessLogSink }),
  });
  if (accessLog !== null) metrics?.trackAccessLog(() => accessLog.dropped);
  const observers: RequestObserver[] = [];
  if (metrics !== null) observers.push(metrics.requests);
  if (traffic !== null) observers.push(traffic);
  if (settings.metrics && options.trafficObserver !== undefined) {
    observers.push(options.trafficObserver);
  }
  if (accessLog !== null) observers.push(accessLog);
  return {
    metrics,
    traffic,
    observer: fanOut(observers),
    watchControlLoop: (loop) => {
      if (metrics === null) return;
      loop.onTableLive((event) => {
        metrics.tableLive(event.table, now());
      });
      loop.onRebuild((event) => {
        metrics.control.results(event.results);
      });
    },
    onRebuildDone: (outcome, seconds) => {
      metrics?.control.translated(outcome, seconds);
    },
    trackListener: (name, stats) => {
      metrics?.trackListener(name, stats);
    },
    onWatchRestart: (kind) => {
      metrics?.control.watchRestart(kind);
    },
    onLeaderChange: (leading) => {
      metrics?.control.setLeader(leading);
    },
    onStatusWrite: (outcome) => {
      metrics?.control.statusWrite(outcome);
    },
    onHealthEvent: (event) => {
      if (event.type === 'ejected') metrics?.upstreamEjected(event);
    },
    trackHealth: (health) => {
      metrics?.trackHealth(health);
    },
    writeAccessLines: (text) => {
      accessLog?.writeLines(text);
    },
    close: async () => {
      metrics?.close();
      await accessLog?.close();
    },
  };
}

/** One observer for several; each is called even when one before it throws. */
function fanOut(observers: readonly RequestObserver[]): RequestObserver | null {
  if (observers.length === 0) return null;
  if (observers.length === 1) return observers[0] ?? null;
  return {
    onRequestEnd(record: RequestRecord): void {
      let failure: Error | null = null;
      for (const observer of observers) {
        try {
          observer.onRequestEnd(record);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
      if (failure !== null) throw failure;
    },
  };
}
