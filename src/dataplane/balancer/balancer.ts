import type { Backend, Endpoint } from '../../ir/index.ts';

/** Chooses the endpoint of a backend that gets the next request. */
export interface Balancer {
  /** The endpoint for the next request, or undefined when the backend has none. */
  pick(backend: Backend): Endpoint | undefined;
  /** Drops the state kept for backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void;
}
