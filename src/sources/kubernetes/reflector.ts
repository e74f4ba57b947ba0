import type { KubeObject } from '../../objects/index.ts';
import type { Logger } from '../../observability/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../../store/index.ts';
import { Backoff, jittered, type BackoffOptions } from './backoff.ts';
import type {
  KubeApi,
  KubeResource,
  Selectors,
  WatchEnd,
  WatchEvent,
  WatchHandle,
} from './kube-api.ts';
import { normalizeObject } from './normalize.ts';

/** Where a reflector delivers objects (normalised). Errors thrown here are logged, not fatal. */
export interface ReflectorHandler {
  /** After each list: the complete set, replacing everything this reflector delivered before. */
  replace(objects: readonly KubeObject[]): void;
  /** One change seen by the watch. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
}

/** Timeouts and retry pacing of a {@link Reflector}; the defaults suit a real cluster. */
export interface ReflectorTiming {
  /** Base `timeoutSeconds` of each watch, plus up to 25 % jitter. Default 240 (so 240-300 s). */
  readonly watchTimeoutSeconds?: number;
  /**
   * A watch that delivers no event (bookmarks included) for this long is taken for a half-open
   * connection and restarted. The API server sends a bookmark about every minute, so the default
   * is twice that: 120 s.
   */
  readonly inactivityMs?: number;
  /** A list (all its pages) that takes longer is aborted and retried. Default 60 s. */
  readonly listTimeoutMs?: number;
  /** Retry pacing after failures; default 0.5 s doubling to 30 s, jittered. */
  readonly backoff?: BackoffOptions;
  /** Uniform in [0, 1) for the watch timeout jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** Options of {@link Reflector}. */
export interface ReflectorOptions extends ReflectorTiming {
  readonly api: KubeApi;
  readonly resource: KubeResource;
  /** One namespace, or null for all (and for cluster-scoped kinds). */
  readonly namespace: string | null;
  readonly selectors?: Selectors;
  readonly handler: ReflectorHandler;
  /** A child with `kind` and `namespace` is taken. */
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Told of every failure after which the loop lists or watches again (for metrics). */
  readonly onRestart?: (kind: string) => void;
}

/** What a reflector has done, for logs, debug views and tests. */
export interface ReflectorStats {
  readonly kind: string;
  readonly namespace: string | null;
  readonly synced: boolean;
  readonly lists: number;
  readonly watches: number;
  readonly failures: number;
  readonly lastError: string | null;
  /** The newest resourceVersion seen; `''` before the first list. */
  readonly resourceVersion: string;
}

/** The defaults of {@link ReflectorTiming}. */
export const REFLECTOR_DEFAULTS = {
  watchTimeoutSeconds: 240,
  inactivityMs: 120_000,
  listTimeoutMs: 60_000,
} as const;

interface WatchState {
  version: string;
  progressed: boolean;
  expired: boolean;
  inactive: boolean;
  failure: string | null;
}

/**
 * Keeps one resource type (in one namespace, or all) in step with the API server: list, hand
 * over the full set, then watch from the list's resourceVersion with bookmarks and a server
 * timeout; a clean end re-watches from the newest resourceVersion seen; 410 Expired (as status
 * or `ERROR` event) lists again; any other failure retries after a jittered backoff; a watch
 * silent for too long is cut. It stops only when {@link Reflector.stop} is called: client-node's
 * informer, by contrast, stops for good on the first non-410 error. Nothing it does can reject
 * unhandled, and an exception from the handler is logged with the object's identity.
 */
export class Reflector {
  readonly #options: ReflectorOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #synced: Promise<void>;
  #resolveSynced: () => void = () => undefined;
  #running: Promise<void> | null = null;
  #watch: WatchHandle | null = null;
  #wake: (() => void) | null = null;
  #stats = { synced: false, lists: 0, watches: 0, failures: 0, lastError: null as string | null };
  #version = '';

  constructor(options: ReflectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(options.backoff);
    this.#logger = options.logger.child({
      kind: options.resource.kind,
      namespace: options.namespace ?? '*',
    });
    this.#synced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
  }

  /** Resolves once the first list has been handed over (never rejects). */
  get synced(): Promise<void> {
    return this.#synced;
  }

  /** Whether the first list has been handed over. */
  get hasSynced(): boolean {
    return this.#stats.synced;
  }

  /** Counters and the last error. */
  stats(): ReflectorStats {
    return {
      ...this.#stats,
      kind: this.#options.resource.kind,
      namespace: this.#options.namespace,
      resourceVersion: this.#version,
    };
  }

  /** Starts the list-and-watch loop (once). */
  start(): void {
    this.#running ??= this.#run().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'reflector loop failed; this is a bug');
    });
  }

  /** Stops the loop and ends any request in flight; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watch?.abort();
    this.#wake?.();
    await this.#running;
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    let version: string | null = null;
    while (!this.#stopped) {
      version = version === null ? await this.#list() : await this.#watchFrom(version);
    }
  }

  /** Lists and hands the set over; the resourceVersion to watch from, or null to list again. */
  async #list(): Promise<string | null> {
    const { api, resource, namespace, selectors } = this.#options;
    const timeout = new AbortController();
    const timer = this.#clock.setTimeout(() => {
      timeout.abort();
    }, this.#options.listTimeoutMs ?? REFLECTOR_DEFAULTS.listTimeoutMs);
    let result;
    try {
      const signal = AbortSignal.any([this.#stop.signal, timeout.signal]);
      result = await api.list(resource, namespace, { ...selectors, signal });
    } catch (error) {
      if (!this.#stopped) await this.#fail('list failed', errorMessage(error));
      return null;
    } finally {
      this.#clock.clearTimeout(timer);
    }
    if (this.#stopped) return null;
    this.#stats.lists++;
    this.#version = result.resourceVersion;
    const objects: KubeObject[] = [];
    for (const raw of result.items) {
      const object = normalizeObject(resource, raw);
      if (object === null) this.#logger.warn('skipped a listed item that is not a named object');
      else objects.push(object);
    }
    this.#deliver(null, () => {
      this.#options.handler.replace(objects);
    });
    this.#logger.debug({ objects: objects.length, resourceVersion: this.#version }, 'listed');
    if (!this.#stats.synced) {
      this.#stats.synced = true;
      this.#resolveSynced();
    }
    return result.resourceVersion;
  }

  /** One watch; the resourceVersion to go on from, or null to list again. */
  async #watchFrom(version: string): Promise<string | null> {
    const { api, resource, namespace, selectors } = this.#options;
    const state: WatchState = {
      version,
      progressed: false,
      expired: false,
      inactive: false,
      failure: null,
    };
    const startedAt = this.#clock.now();
    const base = this.#options.watchTimeoutSeconds ?? REFLECTOR_DEFAULTS.watchTimeoutSeconds;
    const options = {
      ...selectors,
      resourceVersion: version,
      timeoutSeconds: jittered(base, 0.25, this.#random),
      allowWatchBookmarks: true,
    };
    // Set from the event callback, hence a holder the compiler does not narrow.
    const inactivity: { timer: TimerHandle | null } = { timer: null };
    let handle: WatchHandle | null = null;
    const abort = (): void => {
      handle?.abort();
    };
    const arm = (): void => {
      if (inactivity.timer !== null) this.#clock.clearTimeout(inactivity.timer);
      inactivity.timer = this.#clock.setTimeout(() => {
        state.inactive = true;
        abort();
      }, this.#options.inactivityMs ?? REFLECTOR_DEFAULTS.inactivityMs);
    };
    handle = api.watch(resource, namespace, options, (event) => {
      arm();
      this.#onEvent(event, state, abort);
    });
    this.#watch = handle;
    this.#stats.watches++;
    arm();
    const end = await handle.done;
    if (inactivity.timer !== null) this.#clock.clearTimeout(inactivity.timer);
    this.#watch = null;
    if (this.#stopped) return state.version;
    return this.#afterWatch(end, state, this.#clock.now() - startedAt);
  }

  /** Decides, once a watch is over, what comes next; waits the backoff after a failure. */
  async #afterWatch(end: WatchEnd, state: WatchState, lastedMs: number): Promise<string | null> {
    if (end.reason === 'error' && end.error.expired) state.expired = true;
    if (state.expired) {
      this.#logger.info(
        { resourceVersion: state.version },
        'resourceVersion expired; listing again',
      );
      // An expiry right after a list, over and over, must not spin.
      if (!state.progressed) await this.#fail('watch expired at once', '410 Expired');
      return null;
    }
    if (state.inactive) {
      await this.#fail('watch silent for too long; restarting it', 'inactivity timeout');
      return state.version;
    }
    if (end.reason === 'error') {
      await this.#fail('watch failed', errorMessage(end.error));
      return state.version;
    }
    if (state.failure !== null) {
      await this.#fail('watch sent an error', state.failure);
      return null;
    }
    // A clean end: the server's timeout. One that comes at once with nothing sent is a failure.
    if (!state.progressed && lastedMs < 1000) {
      await this.#fail('watch ended at once', 'empty watch');
    }
    return state.version;
  }

  #onEvent(event: WatchEvent, state: WatchState, abort: () => void): void {
    const type = event.type;
    if (type === 'ERROR') {
      const status = statusOf(event.object);
      if (status.code === 410) state.expired = true;
      else state.failure = `ERROR event ${String(status.code)}: ${status.message}`;
      abort();
      return;
    }
    state.progressed = true;
    this.#backoff.reset();
    const version = resourceVersionOf(event.object);
    if (version !== '') {
      state.version = version;
      this.#version = version;
    }
    if (type === 'BOOKMARK') return;
    const object = normalizeObject(this.#options.resource, event.object);
    if (object === null) {
      this.#logger.warn({ type }, 'skipped a watch event without a named object');
      return;
    }
    this.#deliver(object, () => {
      this.#options.handler.apply(type, object);
    });
  }

  /** Runs a handler call; its exception is logged, with the object it was about. */
  #deliver(object: KubeObject | null, call: () => void): void {
    try {
      call();
    } catch (error) {
      // The object's own kind, namespace and name, as every line about an object carries them:
      // through the parent logger, since this one's `namespace` is the watched one ('*': all).
      const message = 'handling a Kubernetes object failed; the watch goes on';
      if (object === null) this.#logger.error({ err: error }, message);
      else {
        this.#options.logger.error(
          {
            err: error,
            kind: this.#options.resource.kind,
            namespace: object.metadata.namespace ?? '',
            name: object.metadata.name,
            watchNamespace: this.#options.namespace ?? '*',
          },
          message,
        );
      }
    }
  }

  /** Logs a failure and waits the backoff delay (cut short by stop). */
  async #fail(message: string, detail: string): Promise<void> {
    this.#stats.failures++;
    this.#stats.lastError = detail;
    try {
      this.#options.onRestart?.(this.#options.resource.kind);
    } catch (error) {
      this.#logger.error({ err: error }, 'a restart listener failed');
    }
    const delayMs = this.#backoff.next();
    const level = this.#backoff.failures > 3 ? 'warn' : 'info';
    this.#logger[level]({ error: detail, retryInMs: delayMs }, message);
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(resolve, delayMs);
      this.#wake = () => {
        this.#clock.clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function statusOf(object: unknown): { code: number; message: string } {
  const record = typeof object === 'object' && object !== null ? (object as KubeApiStatus) : {};
  return {
    code: typeof record.code === 'number' ? record.code : 0,
    message: typeof record.message === 'string' ? record.message : '',
  };
}

interface KubeApiStatus {
  readonly code?: unknown;
  readonly message?: unknown;
}

function resourceVersionOf(object: unknown): string {
  if (typeof object !== 'object' || object === null) return '';
  const metadata = (object as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return '';
  const version = (metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof version === 'string' ? version : '';
}
