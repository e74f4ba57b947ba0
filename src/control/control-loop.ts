import { randomBytes } from 'node:crypto';
import type {
  AccessMaterials,
  Certificates,
  ObjectResult,
  RouteTable,
  UpstreamTlsMaterials,
} from '../ir/index.ts';
import type { ObjectRef, StoredObject } from '../objects/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Diagnostic } from '../sources/files/index.ts';
import type { ChangeNotice, Clock, ObjectStore } from '../store/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../translate/index.ts';
import { backgroundClock } from './background-clock.ts';
import { nextCertificateExpiry } from './certificate-expiry.ts';
import { nextCertificateStart } from './certificate-start.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { IncrementalTranslator } from './incremental/index.ts';
import { logRejections, summaryOf } from './report.ts';

/** Where the loop installs tables: the data plane's `TableHolder` fits. */
export interface TableSink {
  /**
   * Installs a table, the key material of its certificates and that of its proxy-ssl Secrets;
   * false (and nothing done) when that version is already live.
   */
  swap(
    table: RouteTable,
    certificates?: Certificates,
    upstreamTls?: UpstreamTlsMaterials,
    access?: AccessMaterials,
  ): boolean;
  /**
   * Resolves once the last table swapped in serves every request: the data-plane workers all
   * applied it (serve --workers N). Absent: a swap is live when it returns.
   */
  whenLive?(): Promise<void>;
}

/** Options of {@link ControlLoop}. */
export interface ControlLoopOptions {
  /** Only `snapshot()`, `generation` and `onChange()` are used. */
  readonly store: Pick<ObjectStore, 'snapshot' | 'generation' | 'onChange'>;
  readonly holder: TableSink;
  /** A child with `component: 'control'` is taken. */
  readonly logger: Logger;
  /** Default `DEFAULT_TRANSLATE_OPTIONS`. */
  readonly translateOptions?: TranslateOptions;
  /** The load diagnostics to show beside the results, read when a status is asked for. */
  readonly diagnostics?: () => readonly Diagnostic[];
  /** The clock certificates are checked against on each rebuild (ms); default `Date.now`. */
  readonly now?: () => number;
  /**
   * The timers of the rebuilds at certificate expiry and start; default the system's, which do
   * not keep the process alive. Tests pass a `FakeClock` (and a `now` that follows it).
   */
  readonly clock?: Clock;
  /** Told how each rebuild ended and how long translating and installing took (metrics). */
  readonly onRebuildDone?: (outcome: 'swapped' | 'unchanged' | 'failed', seconds: number) => void;
}

/** What the loop knows, for the admin views and the CLI. */
export interface ControlStatus {
  /** True once the first table is live; stays true. */
  readonly ready: boolean;
  /** The live route table; null before the first one. */
  readonly table: RouteTable | null;
  /** The results of the translation whose table is live. */
  readonly results: readonly ObjectResult[];
  readonly diagnostics: readonly Diagnostic[];
  /** Rejected Ingresses whose last accepted version is still served. */
  readonly servingLastGood: readonly ObjectRef[];
}

/** A finished rebuild: its table (live now) and results. */
export interface RebuildEvent {
  readonly table: RouteTable;
  readonly results: readonly ObjectResult[];
  readonly servingLastGood: readonly ObjectRef[];
  /** Whether this rebuild swapped a new table in (false: the version was already live). */
  readonly swapped: boolean;
}

/** A listener of the loop; its errors are logged, not thrown. */
export type RebuildListener = (event: RebuildEvent) => void;

/**
 * The control loop: on each (debounced) store change it translates the snapshot, swaps the
 * table into the data plane when its version changed, and keeps the results for the admin
 * views. A broken edit of an Ingress that was served keeps the last good version live (see
 * {@link translateKeepingLastGood}). Call {@link ControlLoop.start} once the sources have
 * loaded: it builds the first table at once, even from an empty store.
 */
export class ControlLoop {
  readonly #store: ControlLoopOptions['store'];
  readonly #holder: TableSink;
  readonly #logger: Logger;
  readonly #translateOptions: TranslateOptions;
  readonly #diagnostics: () => readonly Diagnostic[];
  readonly #now: () => number;
  readonly #onRebuildDone: NonNullable<ControlLoopOptions['onRebuildDone']>;
  readonly #certificateTimer: DeadlineTimer;
  readonly #onTableLive = new Set<RebuildListener>();
  readonly #onRebuild = new Set<RebuildListener>();
  #unsubscribe: (() => void) | null = null;
  #builtGeneration: number | null = null;
  readonly #translator = new IncrementalTranslator();
  #table: RouteTable | null = null;
  /** The version of the last table that went live everywhere; null before the first. */
  #liveVersion: string | null = null;
  #results: readonly ObjectResult[] = [];
  #servingLastGood: readonly ObjectRef[] = [];
  #rejections = new Map<string, string>();

  constructor(options: ControlLoopOptions) {
    this.#store = options.store;
    this.#holder = options.holder;
    this.#logger = options.logger.child({ component: 'control' });
    // One key per process for the versions of credentials (TranslateOptions.versionKey).
    this.#translateOptions = {
      ...(options.translateOptions ?? DEFAULT_TRANSLATE_OPTIONS),
      versionKey: randomBytes(32),
    };
    this.#diagnostics = options.diagnostics ?? (() => []);
    this.#now = options.now ?? Date.now;
    this.#certificateTimer = new DeadlineTimer(options.clock ?? backgroundClock, this.#now);
    this.#onRebuildDone = options.onRebuildDone ?? (() => undefined);
  }

  /** True once the first table is live (on every worker, see {@link TableSink.whenLive}). */
  get ready(): boolean {
    return this.#liveVersion !== null;
  }

  /** Builds the first table now and rebuilds on every store change from then on. */
  start(): void {
    if (this.#unsubscribe !== null) return;
    this.#unsubscribe = this.#store.onChange((notice) => {
      if (this.#store.generation !== this.#builtGeneration) this.rebuild(notice);
    });
    this.rebuild();
  }

  /** Stops listening to the store; the live table stays. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#certificateTimer.clear();
  }

  /** The live table, its results and the load diagnostics. */
  status(): ControlStatus {
    return {
      ready: this.ready,
      table: this.#table,
      results: this.#results,
      diagnostics: this.#diagnostics(),
      servingLastGood: this.#servingLastGood,
    };
  }

  /** Calls `listener` each time a new table goes live; returns the unsubscribe function. */
  onTableLive(listener: RebuildListener): () => void {
    return subscribe(this.#onTableLive, listener);
  }

  /** Calls `listener` after every rebuild, also when the table did not change (results may have). */
  onRebuild(listener: RebuildListener): () => void {
    return subscribe(this.#onRebuild, listener);
  }

  /**
   * Translates the store's snapshot and applies it. A failure (a bug: translation never throws
   * on user input) is logged and leaves the live table and results as they were. `notice`, from
   * the store, tells how long the changes waited; its figures go into the rebuild's debug line.
   */
  rebuild(notice?: ChangeNotice): void {
    const generation = this.#store.generation;
    let outcome;
    let swapped;
    const now = this.#now();
    let snapshot;
    const started = performance.now();
    let translated: number;
    try {
      snapshot = this.#store.snapshot();
      outcome = this.#translator.translate(snapshot, { ...this.#translateOptions, now });
      translated = performance.now();
      swapped = this.#holder.swap(
        outcome.table,
        outcome.certificates,
        outcome.upstreamTls,
        outcome.access,
      );
    } catch (error) {
      // The versions chosen to serve never went live: the last good ones stay those before.
      this.#translator.discardLast();
      this.#logger.error({ err: error }, 'rebuild failed; the live route table stays');
      this.#onRebuildDone('failed', (performance.now() - started) / 1000);
      return;
    }
    const done = performance.now();
    this.#onRebuildDone(swapped ? 'swapped' : 'unchanged', (done - started) / 1000);
    this.#logger.debug(
      {
        ...this.#translator.lastStep,
        // How long the changes waited for this rebuild (the debounce), when the store asked.
        ...(notice === undefined
          ? {}
          : { waitMs: round(notice.waitedMs), changes: notice.changes }),
        translateMs: round(translated - started),
        installMs: round(done - translated),
      },
      'rebuild done',
    );
    this.#builtGeneration = generation;
    if (swapped || this.#table === null) this.#table = outcome.table;
    this.#results = outcome.results;
    this.#servingLastGood = outcome.servingLastGood;
    this.#report(outcome.table, swapped);
    this.#scheduleCertificateRebuild(outcome.table, snapshot.secrets);
    const event: RebuildEvent = {
      table: outcome.table,
      results: outcome.results,
      servingLastGood: outcome.servingLastGood,
      swapped,
    };
    if (swapped) this.#goLive(event);
    else if (this.#liveVersion === null && this.#holder.whenLive === undefined) {
      this.#liveVersion = outcome.table.version;
    }
    this.#emit(this.#onRebuild, event);
  }

  /**
   * Tells the table-live listeners (the status writer, metrics) once the table serves: at once,
   * or when every worker has applied it. A table replaced before that never counts as live.
   */
  #goLive(event: RebuildEvent): void {
    const live = (): void => {
      this.#liveVersion = event.table.version;
      this.#logger.info(
        summaryOf(event.table, event.results, event.servingLastGood),
        'route table live',
      );
      this.#emit(this.#onTableLive, event);
    };
    if (this.#holder.whenLive === undefined) {
      live();
      return;
    }
    void this.#holder.whenLive().then(() => {
      if (this.#table?.version === event.table.version && this.#unsubscribe !== null) live();
    });
  }

  /**
   * A certificate that expires is refused from then on, and one that is not valid yet is
   * accepted from its notBefore; only a rebuild can notice either. One is scheduled for just
   * after the first such moment: the first expiry among the certificates in use, or the first
   * start among the Secrets refused as not valid yet (while the loop runs).
   */
  #scheduleCertificateRebuild(table: RouteTable, secrets: readonly StoredObject[]): void {
    this.#certificateTimer.clear();
    if (this.#unsubscribe === null) return;
    const moments = [
      nextCertificateExpiry(table),
      nextCertificateStart(this.#results, secrets),
    ].filter((moment) => moment !== null);
    if (moments.length === 0) return;
    const first = Math.min(...moments);
    this.#logger.debug({ at: new Date(first).toISOString() }, 'certificate rebuild scheduled');
    this.#certificateTimer.set(first, () => {
      this.rebuild();
    });
  }

  #report(table: RouteTable, swapped: boolean): void {
    // A swapped table is logged once it is live (see #goLive).
    if (!swapped) {
      this.#logger.debug(
        summaryOf(table, this.#results, this.#servingLastGood),
        'route table unchanged',
      );
    }
    this.#rejections = logRejections(
      this.#logger,
      this.#results,
      this.#servingLastGood,
      this.#rejections,
    );
  }

  #emit(listeners: Set<RebuildListener>, event: RebuildEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error }, 'control loop listener failed');
      }
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function subscribe(listeners: Set<RebuildListener>, listener: RebuildListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
