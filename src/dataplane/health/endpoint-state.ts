import type { Backend, Endpoint } from '../../ir/index.ts';
import type { FailureKind } from './endpoint-health.ts';

/** What passive health keeps per endpoint `address:port` (EndpointHealth). */
export interface EndpointState {
  consecutive: number;
  consecutive5xx: number;
  /** Ejections so far, decaying by one per base ejection time spent in rotation. */
  ejections: number;
  /** > 0 while out of rotation: ejected until then, on probation after it until a verdict. */
  ejectedUntil: number;
  /** A probe request runs until its outcome, or until then at the latest. */
  probeUntil: number;
  /** The failure of the last ejection, or the last failure while in rotation. */
  reason: FailureKind | null;
  returnedAt: number;
  /** Connects to it pending longer than `slowConnectMs` right now. */
  slowConnects: number;
}

/** A fresh state: in rotation, nothing counted. */
export function newEndpointState(): EndpointState {
  return {
    consecutive: 0,
    consecutive5xx: 0,
    ejections: 0,
    ejectedUntil: 0,
    probeUntil: 0,
    reason: null,
    returnedAt: 0,
    slowConnects: 0,
  };
}

/** Out of rotation: ejected, on probation with a probe running, or with a slow connect. */
export function excluded(state: EndpointState, now: number): boolean {
  return state.slowConnects > 0 || ejectedNow(state, now);
}

/** Ejected, or on probation with a probe running. */
export function ejectedNow(state: EndpointState, now: number): boolean {
  return state.ejectedUntil > 0 && (now < state.ejectedUntil || now < state.probeUntil);
}

/** How many of `count` endpoints may be out at once: the share, at least one. */
export function allowedOut(count: number, maxEjectedPercent: number): number {
  return Math.max(1, Math.floor((count * maxEjectedPercent) / 100));
}

/** A backend as the balancers see it, and until when the clock alone leaves it unchanged. */
export interface UsableView {
  readonly view: Backend;
  readonly validUntil: number;
}

/**
 * The backend without its ejected endpoints (and, while the share has room after those, the
 * ones with a slow connect, so that a slow connect never brings an ejected endpoint back); the
 * backend itself when nothing is out or more than the share is ejected (panic). `previous`
 * itself is returned when it has the same endpoints, so that balancers keep their state.
 */
export function usableView(
  backend: Backend,
  stateOf: (endpoint: Endpoint) => EndpointState | undefined,
  maxEjectedPercent: number,
  now: number,
  previous: Backend | undefined,
): UsableView {
  const endpoints = backend.endpoints;
  const allowed = allowedOut(endpoints.length, maxEjectedPercent);
  let ejected = 0;
  let slow = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const endpoint of endpoints) {
    const state = stateOf(endpoint);
    if (state === undefined) continue;
    if (ejectedNow(state, now)) {
      ejected++;
      // A slow connect's exclusion ends with the connect, which changes the generation instead.
      validUntil = Math.min(validUntil, Math.max(state.ejectedUntil, state.probeUntil));
    } else if (state.slowConnects > 0) {
      slow++;
    }
  }
  if ((ejected === 0 && slow === 0) || ejected > allowed || ejected >= endpoints.length) {
    return { view: backend, validUntil };
  }
  let room = Math.min(allowed - ejected, endpoints.length - ejected - 1, slow);
  const kept: Endpoint[] = [];
  for (const endpoint of endpoints) {
    const state = stateOf(endpoint);
    if (state !== undefined && ejectedNow(state, now)) continue;
    if (state !== undefined && state.slowConnects > 0 && room > 0) {
      room--;
      continue;
    }
    kept.push(endpoint);
  }
  if (kept.length === endpoints.length) return { view: backend, validUntil };
  const same =
    previous !== undefined &&
    previous.endpoints.length === kept.length &&
    kept.every((endpoint, index) => previous.endpoints[index] === endpoint);
  const view = same ? previous : Object.freeze({ ...backend, endpoints: Object.freeze(kept) });
  return { view, validUntil };
}
