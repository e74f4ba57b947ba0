import type { AddressInfo } from 'node:net';
import type {
  EndpointHealthEntry,
  OutlierSettings,
  ProxyOptions,
  RetryBudgetSettings,
  TlsSettings,
} from '../dataplane/index.ts';
import type { CertificateMaterial, TableMessage } from '../ir/index.ts';
import type { AccessLogSettings } from '../observability/index.ts';
import type { LimitAddress } from './limit-host.ts';

/**
 * The messages between the control plane and its data-plane workers (child processes, over
 * the IPC channel with structured-clone serialisation). Everything here is plain data.
 */

/** The HTTPS settings of `serve` (cli/https-runtime.ts's HttpsConfig). */
export interface HttpsSetup {
  readonly port: number;
  readonly redirectPort: number | null;
  readonly tls: TlsSettings;
  readonly hsts: string;
  /**
   * TLS session ticket keys (48 bytes), the same on every worker: a session resumes on
   * whichever worker the kernel gives the next connection to.
   */
  readonly ticketKeys?: Uint8Array;
}

/** What a worker is started with (its first message). */
export interface WorkerSetup {
  /** 0-based slot; a restarted worker takes the slot of the one it replaces. */
  readonly index: number;
  readonly logLevel: string;
  readonly bind: string;
  /** The ports to bind (with SO_REUSEPORT); 0 only for the first worker of a fresh start. */
  readonly httpPort: number;
  readonly proxy: Omit<ProxyOptions, 'tables' | 'logger' | 'sessionCookieKey' | 'limits'>;
  /** `--session-cookie-key`, shared by every worker so that a cookie set by one is read by all. */
  readonly sessionCookieKey?: readonly number[];
  readonly resilience?: {
    readonly outlier?: OutlierSettings;
    readonly retryBudget?: RetryBudgetSettings;
  };
  readonly proxyProtocol?: { readonly http: boolean; readonly https: boolean };
  /**
   * The HTTPS listener (its port the one to bind), with the generated certificate every worker
   * serves until a table names a default one; null when there is none.
   */
  readonly https: (HttpsSetup & { readonly fallback: CertificateMaterial }) | null;
  /** The shared limit service, where every worker counts limit-rps, limit-rpm, limit-connections. */
  readonly limits: LimitAddress;
  /** Request metrics on (`--metrics`); the access log is on when `accessLog` is true. */
  readonly metrics: boolean;
  readonly accessLog: Pick<AccessLogSettings, 'skipPaths' | 'sampleRatio'> | null;
}

/** Requests of the same Ingress and status, counted since the last report. */
export type TrafficCount = readonly [
  namespace: string,
  name: string,
  status: number,
  count: number,
];

/** From the control plane to a worker. */
export type ToWorker =
  /** The first message, and only the first. */
  | { readonly type: 'setup'; readonly setup: WorkerSetup }
  /** Apply this table (sequence numbers only grow) and answer `applied`. */
  | { readonly type: 'table'; readonly sequence: number; readonly table: TableMessage }
  /** Answer `report` with everything the worker counts. */
  | { readonly type: 'collect'; readonly id: number }
  /** Close the listeners, let requests finish (at most `graceMs`), then exit. */
  | { readonly type: 'stop'; readonly graceMs: number };

/** From a worker to the control plane. */
export type FromWorker =
  | {
      readonly type: 'listening';
      readonly http: AddressInfo;
      readonly https: AddressInfo | null;
    }
  | {
      readonly type: 'applied';
      readonly sequence: number;
      readonly version: string;
    }
  /** Access log lines, whole, in the order the worker ended their requests. */
  | { readonly type: 'log'; readonly text: string }
  /** Every second: traffic counts since the last, and passive health now. */
  | {
      readonly type: 'tally';
      readonly counts: readonly TrafficCount[];
      readonly health: readonly EndpointHealthEntry[];
    }
  /** The last message: the listeners are closed and everything is sent. */
  | { readonly type: 'stopped' }
  | {
      readonly type: 'report';
      readonly id: number;
      /** The worker's `registry.getMetricsAsJSON()`; null with `--metrics off`. */
      readonly metrics: readonly object[] | null;
      readonly health: readonly EndpointHealthEntry[];
      readonly counts: readonly TrafficCount[];
    };
