import { canonicalAddresses } from './addresses.ts';
import {
  StatusApiError,
  type EventBump,
  type EventRecord,
  type IngressState,
  type Lease,
  type LeaseSpec,
  type LoadBalancerAddress,
  type StatusClient,
} from './status-client.ts';

/** An Event as the fake keeps it. */
export interface FakeEvent extends EventRecord {
  readonly patches: number;
}

type Method = keyof StatusClient;

/**
 * An in-memory {@link StatusClient} for tests: one resourceVersion counter, 409 on a stale
 * version or a taken name, 404 for missing objects, a log of calls, and hooks to fail or hold
 * the next calls of a method.
 */
export class FakeStatusClient implements StatusClient {
  /** `method namespace/name` per call, in order. */
  readonly calls: string[] = [];
  readonly leases = new Map<string, Lease>();
  readonly services = new Map<string, unknown>();
  readonly ingresses = new Map<string, IngressState>();
  readonly events = new Map<string, FakeEvent>();
  #version = 0;
  readonly #failures: { method: Method; error: StatusApiError }[] = [];
  readonly #held = new Map<Method, (() => void)[]>();
  readonly #holding = new Set<Method>();

  /** Adds (or replaces) an Ingress, as another writer would; returns its state. */
  putIngress(namespace: string, name: string, addresses: LoadBalancerAddress[] = []): IngressState {
    const key = `${namespace}/${name}`;
    const uid = this.ingresses.get(key)?.uid ?? `uid-${name}`;
    const state = { namespace, name, uid, resourceVersion: this.#next(), addresses };
    this.ingresses.set(key, state);
    return state;
  }

  /** Sets a Service's raw JSON. */
  putService(namespace: string, name: string, service: unknown): void {
    this.services.set(`${namespace}/${name}`, service);
  }

  /** The next `count` calls of `method` fail with `error` (default: HTTP 500). */
  failNext(method: Method, count = 1, error = new StatusApiError('Http', 500, 'HTTP 500')): void {
    for (let i = 0; i < count; i++) this.#failures.push({ method, error });
  }

  /** Calls of `method` wait from now until {@link FakeStatusClient.release}. */
  hold(method: Method): void {
    this.#holding.add(method);
  }

  /** Lets held calls of `method` go on, and stops holding new ones. */
  release(method: Method): void {
    this.#holding.delete(method);
    for (const resume of this.#held.get(method) ?? []) resume();
    this.#held.delete(method);
  }

  /** How many calls of `method` were made. */
  count(method: Method): number {
    return this.calls.filter((call) => call.startsWith(`${method} `)).length;
  }

  async getLease(namespace: string, name: string): Promise<Lease | null> {
    await this.#enter('getLease', namespace, name);
    return this.leases.get(`${namespace}/${name}`) ?? null;
  }

  async createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease> {
    await this.#enter('createLease', namespace, name);
    const key = `${namespace}/${name}`;
    if (this.leases.has(key)) throw conflict(`leases "${name}" already exists`);
    const lease = { namespace, name, resourceVersion: this.#next(), spec };
    this.leases.set(key, lease);
    return lease;
  }

  async updateLease(lease: Lease, spec: LeaseSpec): Promise<Lease> {
    await this.#enter('updateLease', lease.namespace, lease.name);
    const key = `${lease.namespace}/${lease.name}`;
    const stored = this.leases.get(key);
    if (stored === undefined) throw notFound(lease.name);
    if (stored.resourceVersion !== lease.resourceVersion) throw conflict('the lease changed');
    const updated = { ...stored, resourceVersion: this.#next(), spec };
    this.leases.set(key, updated);
    return updated;
  }

  async getService(namespace: string, name: string): Promise<unknown> {
    await this.#enter('getService', namespace, name);
    return this.services.get(`${namespace}/${name}`) ?? null;
  }

  async getIngress(namespace: string, name: string): Promise<IngressState | null> {
    await this.#enter('getIngress', namespace, name);
    return this.ingresses.get(`${namespace}/${name}`) ?? null;
  }

  async updateIngressStatus(
    ingress: IngressState,
    addresses: readonly LoadBalancerAddress[],
  ): Promise<IngressState> {
    await this.#enter('updateIngressStatus', ingress.namespace, ingress.name);
    const key = `${ingress.namespace}/${ingress.name}`;
    const stored = this.ingresses.get(key);
    if (stored === undefined) throw notFound(ingress.name);
    if (stored.resourceVersion !== ingress.resourceVersion) throw conflict('the Ingress changed');
    const updated = {
      ...stored,
      resourceVersion: this.#next(),
      addresses: canonicalAddresses(addresses),
    };
    this.ingresses.set(key, updated);
    return updated;
  }

  async createEvent(event: EventRecord): Promise<void> {
    await this.#enter('createEvent', event.namespace, event.name);
    const key = `${event.namespace}/${event.name}`;
    if (this.events.has(key)) throw conflict(`events "${event.name}" already exists`);
    this.events.set(key, { ...event, patches: 0 });
  }

  async patchEvent(namespace: string, name: string, bump: EventBump): Promise<void> {
    await this.#enter('patchEvent', namespace, name);
    const key = `${namespace}/${name}`;
    const stored = this.events.get(key);
    if (stored === undefined) throw notFound(name);
    this.events.set(key, { ...stored, ...bump, patches: stored.patches + 1 });
  }

  async #enter(method: Method, namespace: string, name: string): Promise<void> {
    this.calls.push(`${method} ${namespace}/${name}`);
    if (this.#holding.has(method)) {
      await new Promise<void>((resolve) => {
        const held = this.#held.get(method) ?? [];
        held.push(resolve);
        this.#held.set(method, held);
      });
    }
    const index = this.#failures.findIndex((failure) => failure.method === method);
    if (index >= 0) {
      const [failure] = this.#failures.splice(index, 1);
      if (failure !== undefined) throw failure.error;
    }
  }

  #next(): string {
    this.#version += 1;
    return String(this.#version);
  }
}

function conflict(message: string): StatusApiError {
  return new StatusApiError('Http', 409, `HTTP 409: ${message}`);
}

function notFound(name: string): StatusApiError {
  return new StatusApiError('Http', 404, `HTTP 404: "${name}" not found`);
}
