import type { Backend, Endpoint, RouteBalance } from '../../ir/index.ts';
import type { StickySessions } from './sticky-sessions.ts';

/** Chooses the endpoint of a backend that gets the next request. */
export interface Balancer {
  /** The endpoint for the next request, or undefined when the backend has none. */
  pick(backend: Backend): Endpoint | undefined;
  /** Drops the state kept for backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void;
  /**
   * The endpoint for a request of a route with a balancing policy; `key` is the request's hash
   * key for `hash` (else ignored). A balancer without it serves every route with {@link pick}.
   */
  pickFor?(backend: Backend, balance: RouteBalance, key: string): Endpoint | undefined;
  /**
   * Told how an attempt on an endpoint went: the milliseconds to its response headers, or null
   * when it failed before them.
   */
  observe?(backend: Backend, endpoint: Endpoint, ms: number | null): void;
  /** The session cookies of routes with sticky sessions; absent: those routes use {@link pick}. */
  readonly sticky?: StickySessions;
}
