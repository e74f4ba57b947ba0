import type { Backend, Endpoint } from '../../ir/index.ts';
import { endpointKey, type ConnectTracker, type TrackedConnect } from '../upstream/index.ts';
import {
  allowedOut,
  excluded,
  newEndpointState,
  usableView,
  type EndpointState,
  type UsableView,
} from './endpoint-state.ts';
import { DEFAULT_OUTLIER_SETTINGS, type OutlierSettings } from './outlier-settings.ts';

/**
 * What one failed attempt says about its endpoint: it refused or dropped the connection
 * (`connect`), let the connect time out, reset or closed the connection before answering
 * (`reset`), did not answer in time (`timeout`), or answered 5xx (`http_5xx`).
 */
export type FailureKind = 'connect' | 'connect_timeout' | 'reset' | 'timeout' | 'http_5xx';

/** An endpoint leaving or coming back into rotation, for logs and metrics. */
export interface HealthEvent {
  readonly type: 'ejected' | 'returned';
  /** `address:port` (IPv6 in brackets). */
  readonly endpoint: string;
  /** The backend of the request whose outcome decided it. */
  readonly backend: string;
  /** Ejected: the failure that did it. Returned: always null. */
  readonly reason: FailureKind | null;
  /** Ejected: how long it stays out. */
  readonly forMs: number;
  /** How many times it was ejected recently, this one included. */
  readonly ejections: number;
}

/** One endpoint in {@link EndpointHealth.snapshot}. */
export interface EndpointHealthEntry {
  readonly endpoint: string;
  /**
   * `ejected` until `until`; then `probation`: the next request may go there, and its outcome
   * decides; `probing` while that request runs; `slow-connect`: out of rotation while a connect
   * to it has been pending longer than `slowConnectMs`; `failing`: in rotation with failures
   * counted.
   */
  readonly state: 'ejected' | 'probation' | 'probing' | 'slow-connect' | 'failing';
  /** The failure that ejected it, or for one not ejected, its last failure; null: none yet. */
  readonly reason: FailureKind | null;
  /**
   * Unix milliseconds: the end of the ejection, or of the probe's hold while probing; null when
   * in rotation.
   */
  readonly until: number | null;
  readonly consecutiveFailures: number;
  readonly ejections: number;
}

/** Options of {@link EndpointHealth}. */
export interface EndpointHealthOptions {
  readonly settings?: OutlierSettings;
  /** Monotonic milliseconds; performance.now() by default. */
  readonly now?: () => number;
  /** Told about each ejection and return (not about probation starting: that is lazy). */
  readonly onEvent?: (event: HealthEvent) => void;
}

/** A usable view, valid while the generation is this one and the clock before `validUntil`. */
interface CachedView extends UsableView {
  readonly generation: number;
}

/**
 * Passive health of upstream endpoints (outlier ejection, as Envoy's outlier detection and
 * HAProxy's `observe layer4`): the proxy reports how each attempt went, and an endpoint that
 * fails `consecutiveFailures` times in a row (or once by a connect timeout, which costs the
 * whole timeout every time) is taken out of rotation for a while that grows with each ejection.
 * When the time is up, one request may go there (probation); its success returns the endpoint,
 * its failure ejects it again, longer. {@link usable} gives the balancers each backend without
 * its ejected endpoints, unless more than `maxEjectedPercent` of them (or all) would be out:
 * then all are used, since a failing endpoint still beats a certain 503.
 *
 * Health is kept per `address:port`, so a Pod that failed the requests of one Ingress is
 * avoided by every Ingress that sends it traffic. Only endpoints that failed are tracked, and
 * with none out of rotation every call returns at the first check.
 */
export class EndpointHealth implements ConnectTracker {
  readonly settings: OutlierSettings;
  readonly #now: () => number;
  readonly #onEvent: (event: HealthEvent) => void;
  readonly #states = new Map<string, EndpointState>();
  /** Endpoints with ejectedUntil > 0. */
  #out = 0;
  /** Endpoints with slowConnects > 0. */
  #slow = 0;
  /** Bumped on every change of who is out, so that cached views are rebuilt. */
  #generation = 0;
  #views = new WeakMap<Backend, CachedView>();
  readonly #keys = new WeakMap<Endpoint, string>();
  /** Cancels connects still waiting on an endpoint, by key (see {@link trackConnect}). */
  readonly #connects = new Map<string, Set<() => void>>();

  constructor(options: EndpointHealthOptions = {}) {
    this.settings = options.settings ?? DEFAULT_OUTLIER_SETTINGS;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#onEvent = options.onEvent ?? ignore;
  }

  /** Endpoints ejected now or on probation (for tests and the status page). */
  get outCount(): number {
    return this.#out;
  }

  /** A connect pending this long takes its endpoint out of rotation until it ends (see below). */
  get slowConnectMs(): number {
    // Passive health off (no failure counts) is off altogether.
    return this.settings.consecutiveFailures === 0 ? 0 : this.settings.slowConnectMs;
  }

  /**
   * The backend as the balancers should see it: without its ejected endpoints and those with a
   * probe running; the backend itself when none is out, or when too many are (see the class).
   * The same object is returned until something changes, so balancers that key their state on
   * the endpoint list keep it.
   */
  usable(backend: Backend): Backend {
    if (this.#out === 0 && this.#slow === 0) return backend;
    const now = this.#now();
    const cached = this.#views.get(backend);
    if (cached?.generation === this.#generation && now < cached.validUntil) return cached.view;
    const view = usableView(
      backend,
      (endpoint) => this.#states.get(this.#keyOf(endpoint)),
      this.settings.maxEjectedPercent,
      now,
      cached?.view,
    );
    this.#views.set(backend, { ...view, generation: this.#generation });
    return view.view;
  }

  /** Whether the endpoint is out of rotation right now (ejected, or probed by another request). */
  isOut(endpoint: Endpoint): boolean {
    if (this.#out === 0 && this.#slow === 0) return false;
    const state = this.#states.get(this.#keyOf(endpoint));
    return state !== undefined && excluded(state, this.#now());
  }

  /**
   * An attempt is being sent to `endpoint`: when it is on probation, this attempt becomes its
   * probe, and other requests keep off it until the outcome (or one base ejection time).
   * Returns true when it did: the caller then owes a verdict, `succeeded()`, `failed()`, or
   * `release()` when the attempt ended without saying anything of the endpoint.
   */
  attempt(endpoint: Endpoint): boolean {
    if (this.#out === 0) return false;
    const state = this.#states.get(this.#keyOf(endpoint));
    if (state === undefined || state.ejectedUntil === 0) return false;
    const now = this.#now();
    if (now < state.ejectedUntil || now < state.probeUntil) return false;
    state.probeUntil = now + this.settings.baseEjectionMs;
    this.#generation++;
    return true;
  }

  /**
   * A probe ended without a verdict (its client left, the proxy aborted it): the endpoint is on
   * probation again at once, so that a client cannot keep an endpoint out by leaving early.
   */
  release(endpoint: Endpoint): void {
    const state = this.#states.get(this.#keyOf(endpoint));
    if (state === undefined || state.probeUntil === 0) return;
    state.probeUntil = 0;
    this.#generation++;
  }

  /** The endpoint answered (`status`: its status code). */
  succeeded(backend: Backend, endpoint: Endpoint, status: number): void {
    if (status >= 500 && this.settings.consecutive5xx > 0) {
      this.failed(backend, endpoint, 'http_5xx');
      return;
    }
    if (this.#states.size === 0) return;
    const key = this.#keyOf(endpoint);
    const state = this.#states.get(key);
    if (state === undefined) return;
    state.consecutive = 0;
    state.consecutive5xx = 0;
    if (state.ejectedUntil > 0) {
      const now = this.#now();
      // An answer to a request sent before the ejection does not end it early.
      if (now < state.ejectedUntil) return;
      this.#return(key, state, backend, now);
    } else if (state.ejections === 0 && state.slowConnects === 0) {
      this.#states.delete(key);
    }
  }

  /** An attempt on `endpoint` failed in a way that says something about the endpoint. */
  failed(backend: Backend, endpoint: Endpoint, kind: FailureKind): void {
    const { settings } = this;
    if (settings.consecutiveFailures === 0) return;
    if (kind === 'http_5xx' && settings.consecutive5xx === 0) return;
    const key = this.#keyOf(endpoint);
    const state = this.#stateOf(key);
    const now = this.#now();
    if (state.ejectedUntil > 0) {
      // Out already; a failure after the ejection ended is the probe's (or a request that
      // slipped in before the probe was claimed): out again, for longer.
      if (now >= state.ejectedUntil) this.#eject(key, state, backend, kind, now);
      return;
    }
    if (kind === 'http_5xx') state.consecutive5xx++;
    else state.consecutive++;
    state.reason = kind;
    const due =
      kind === 'connect_timeout' ||
      (kind === 'http_5xx'
        ? state.consecutive5xx >= settings.consecutive5xx
        : state.consecutive >= settings.consecutiveFailures);
    if (due && this.#mayEject(backend, key)) this.#eject(key, state, backend, kind, now);
  }

  /**
   * Registers a connect in progress to `endpoint` (`address:port`): `cancel` fails it if the
   * endpoint is ejected before it completes, so the requests waiting on it can go elsewhere.
   * A connect reported slow (pending for `slowConnectMs`: a lost SYN, a full backlog, a
   * black-holed address; a healthy one takes milliseconds) takes the endpoint out of rotation
   * until it ends, so that new requests do not pile up behind it for the whole connect timeout.
   * That exclusion obeys the share rules of {@link usable} like an ejection.
   */
  trackConnect(endpoint: string, cancel: () => void): TrackedConnect {
    let waiting = this.#connects.get(endpoint);
    if (waiting === undefined) {
      waiting = new Set();
      this.#connects.set(endpoint, waiting);
    }
    waiting.add(cancel);
    const set = waiting;
    let slow: EndpointState | null = null;
    let ended = false;
    return {
      slow: () => {
        if (ended || slow !== null) return;
        slow = this.#stateOf(endpoint);
        if (slow.slowConnects++ === 0) this.#slow++;
        this.#generation++;
      },
      done: () => {
        if (ended) return;
        ended = true;
        set.delete(cancel);
        if (set.size === 0 && this.#connects.get(endpoint) === set) this.#connects.delete(endpoint);
        if (slow !== null && --slow.slowConnects === 0) {
          this.#slow--;
          this.#generation++;
        }
      },
    };
  }

  /** Forgets endpoints that `isLive` (by `address:port`) no longer knows. */
  retain(isLive: (endpoint: string) => boolean): void {
    for (const [key, state] of this.#states) {
      // A slow connect's state goes when the connect ends (its handle holds the state).
      if (isLive(key) || state.slowConnects > 0) continue;
      if (state.ejectedUntil > 0) this.#out--;
      this.#states.delete(key);
      this.#generation++;
    }
  }

  /** Every tracked endpoint: out of rotation, on probation, or failing without being out yet. */
  snapshot(): EndpointHealthEntry[] {
    const now = this.#now();
    const wall = Date.now();
    const entries: EndpointHealthEntry[] = [];
    for (const [endpoint, state] of this.#states) {
      const out = state.ejectedUntil > 0;
      const failing = state.consecutive > 0 || state.consecutive5xx > 0;
      if (!out && !failing && state.slowConnects === 0) continue;
      const stage = !out
        ? state.slowConnects > 0
          ? 'slow-connect'
          : 'failing'
        : now < state.ejectedUntil
          ? 'ejected'
          : now < state.probeUntil
            ? 'probing'
            : 'probation';
      entries.push({
        endpoint,
        state: stage,
        reason: state.reason,
        until: out
          ? Math.round(wall + Math.max(0, Math.max(state.ejectedUntil, state.probeUntil) - now))
          : null,
        consecutiveFailures: Math.max(state.consecutive, state.consecutive5xx),
        ejections: state.ejections,
      });
    }
    return entries.sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  }

  /** endpointKey, kept per endpoint object (the table's are frozen and shared by requests). */
  #keyOf(endpoint: Endpoint): string {
    let key = this.#keys.get(endpoint);
    if (key === undefined) {
      key = endpointKey(endpoint);
      this.#keys.set(endpoint, key);
    }
    return key;
  }

  #stateOf(key: string): EndpointState {
    let state = this.#states.get(key);
    if (state === undefined) {
      state = newEndpointState();
      this.#states.set(key, state);
    }
    return state;
  }

  /**
   * At most the allowed share of the backend's endpoints out, and never its last one. An
   * endpoint on probation still counts as out until its probe returns it, so that a failed
   * probe can always eject it again without going over the share.
   */
  #mayEject(backend: Backend, key: string): boolean {
    const endpoints = backend.endpoints;
    if (endpoints.length < 2) return false;
    const allowed = allowedOut(endpoints.length, this.settings.maxEjectedPercent);
    let out = 0;
    for (const endpoint of endpoints) {
      const other = this.#keyOf(endpoint);
      if (other === key) continue;
      const state = this.#states.get(other);
      if (state !== undefined && state.ejectedUntil > 0) out++;
    }
    return out < allowed && out < endpoints.length - 1;
  }

  #eject(
    key: string,
    state: EndpointState,
    backend: Backend,
    kind: FailureKind,
    now: number,
  ): void {
    const { baseEjectionMs, maxEjectionMs } = this.settings;
    if (state.ejectedUntil === 0) {
      // Time spent in rotation since the last return pays back one ejection per base time.
      const earned =
        state.returnedAt > 0 ? Math.floor((now - state.returnedAt) / baseEjectionMs) : 0;
      state.ejections = Math.max(0, state.ejections - earned);
      this.#out++;
    }
    state.ejections++;
    const forMs = Math.min(baseEjectionMs * state.ejections, maxEjectionMs);
    state.ejectedUntil = now + forMs;
    state.probeUntil = 0;
    state.reason = kind;
    state.consecutive = 0;
    state.consecutive5xx = 0;
    this.#generation++;
    this.#onEvent({
      type: 'ejected',
      endpoint: key,
      backend: backend.id,
      reason: kind,
      forMs,
      ejections: state.ejections,
    });
    const waiting = this.#connects.get(key);
    if (waiting !== undefined) for (const cancel of [...waiting]) cancel();
  }

  #return(key: string, state: EndpointState, backend: Backend, now: number): void {
    state.ejectedUntil = 0;
    state.probeUntil = 0;
    state.returnedAt = now;
    this.#out--;
    this.#generation++;
    this.#onEvent({
      type: 'returned',
      endpoint: key,
      backend: backend.id,
      reason: null,
      forMs: 0,
      ejections: state.ejections,
    });
  }
}

function ignore(): void {
  // Nobody listens for health events.
}
