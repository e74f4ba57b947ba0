import type { Backend, Endpoint } from '../../ir/index.ts';
import type { Balancer } from './balancer.ts';

/**
 * Round robin over a backend's endpoints. The position is kept per backend id, so it survives
 * table swaps; when the endpoint list changes, the next request simply takes the position
 * modulo the new length. A pick allocates nothing.
 */
export class RoundRobin implements Balancer {
  readonly #next = new Map<string, number>();

  pick(backend: Backend): Endpoint | undefined {
    const endpoints = backend.endpoints;
    const count = endpoints.length;
    if (count === 0) return undefined;
    const position = (this.#next.get(backend.id) ?? 0) % count;
    this.#next.set(backend.id, position + 1 === count ? 0 : position + 1);
    return endpoints[position];
  }

  retain(isLive: (backendId: string) => boolean): void {
    for (const id of this.#next.keys()) if (!isLive(id)) this.#next.delete(id);
  }
}
