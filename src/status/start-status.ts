import type { Logger } from '../observability/index.ts';
import type { Clock } from '../store/index.ts';
import type { AddressSource } from './addresses.ts';
import type { RebuildOutcome } from './ingress-outcomes.ts';
import { LeaderElector } from './leader-election.ts';
import type { StatusClient } from './status-client.ts';
import {
  StatusWriter,
  type StatusWriterOptions,
  type StatusWriterStats,
  type WriteOutcome,
} from './status-writer.ts';
import type { WriteRate } from './write-rate.ts';

/** The leader election settings (`--election-*`, `--lease-duration`, ...). */
export interface ElectionSettings {
  /** The Lease's name (`--election-id`). */
  readonly id: string;
  readonly namespace: string;
  /** This replica's `holderIdentity`. */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** Everything the status flags decide. */
export interface StatusSettings {
  /** `--update-status`: false means no election, no Ingress status and no Events. */
  readonly enabled: boolean;
  readonly election: ElectionSettings;
  readonly addressSource: AddressSource;
  /** `--status-write-rate`, `--status-write-burst`: the pace of the writer's API requests. */
  readonly writeRate: WriteRate;
}

/** What {@link startStatus} needs of the control loop (`ControlLoop` fits). */
export interface RebuildFeed {
  /** Subscribes to every rebuild; returns the unsubscribe function. */
  onRebuild(listener: (event: RebuildOutcome) => void): () => void;
  /** The results of the live table (used once, at start). */
  status(): RebuildOutcome & { readonly ready: boolean };
}

/** Options of {@link startStatus}. */
export interface StartStatusOptions {
  readonly loop: RebuildFeed;
  readonly client: StatusClient;
  /** Without `writeRate`, the writer's default (`DEFAULT_WRITE_RATE`: 100/s, bursts of 200). */
  readonly settings: Pick<StatusSettings, 'election' | 'addressSource'> &
    Partial<Pick<StatusSettings, 'writeRate'>>;
  readonly logger: Logger;
  /** The watch's full Ingress by namespace and name (`KubernetesSource.get('Ingress', ...)`). */
  readonly lookupIngress?: (namespace: string, name: string) => unknown;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
  readonly random?: () => number;
  /** Told when this replica starts (true) or stops (false) leading, for metrics. */
  readonly onLeaderChange?: (leading: boolean) => void;
  /** Told how each write to the API ended, for metrics. */
  readonly onWrite?: (outcome: WriteOutcome) => void;
  /** Rate, resync and refresh tuning of the writer (tests shorten them); wins over `settings`. */
  readonly tuning?: Pick<
    StatusWriterOptions,
    | 'requestsPerSecond'
    | 'burst'
    | 'concurrency'
    | 'resyncMs'
    | 'addressRefreshMs'
    | 'maxConflictRetries'
  >;
}

/** The running election and status writer. */
export interface RunningStatus {
  /** Whether this replica leads now. */
  readonly leading: boolean;
  /** The Lease holder last seen (`''`: none). */
  readonly leader: string;
  readonly writer: StatusWriter;
  stats(): StatusWriterStats;
  /**
   * Stops writing, waits for the requests in flight, then releases the Lease so another
   * replica takes over at once. Call it first on shutdown, before draining connections.
   */
  stop(): Promise<void>;
}

/**
 * Starts the leader election and the status writer: every rebuild of `loop` goes to the
 * writer, which writes only while this replica leads.
 */
export function startStatus(options: StartStatusOptions): RunningStatus {
  const { election, writeRate } = options.settings;
  const timing = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.wallClock === undefined ? {} : { wallClock: options.wallClock }),
  };
  const writer = new StatusWriter({
    ...(writeRate === undefined
      ? {}
      : { requestsPerSecond: writeRate.requestsPerSecond, burst: writeRate.burst }),
    ...options.tuning,
    ...timing,
    client: options.client,
    addressSource: options.settings.addressSource,
    ...(options.lookupIngress === undefined ? {} : { lookupIngress: options.lookupIngress }),
    logger: options.logger,
    identity: election.identity,
    ...(options.onWrite === undefined ? {} : { onWrite: options.onWrite }),
  });
  const elector = new LeaderElector({
    ...timing,
    ...(options.random === undefined ? {} : { random: options.random }),
    client: options.client,
    namespace: election.namespace,
    name: election.id,
    identity: election.identity,
    leaseDurationMs: election.leaseDurationMs,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    logger: options.logger,
    onStartedLeading: () => {
      writer.setLeading(true);
      options.onLeaderChange?.(true);
    },
    onStoppedLeading: () => {
      writer.setLeading(false);
      options.onLeaderChange?.(false);
    },
  });
  const current = options.loop.status();
  if (current.ready) writer.update(current);
  const unsubscribe = options.loop.onRebuild((event) => {
    writer.update(event);
  });
  writer.start();
  elector.start();
  return {
    get leading() {
      return elector.leading;
    },
    get leader() {
      return elector.leader;
    },
    writer,
    stats: () => writer.stats(),
    stop: async () => {
      unsubscribe();
      await writer.close();
      await elector.stop({ release: true });
    },
  };
}
