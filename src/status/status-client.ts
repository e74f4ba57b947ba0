/**
 * The narrow Kubernetes API of the status room: the Lease of the leader election, the Service
 * whose address is published, Ingress status and Events. One implementation talks to a cluster
 * through `@kubernetes/client-node` (client-node-status-client.ts); an in-memory one serves the
 * unit tests (fake-status-client.ts).
 */

/** One entry of `status.loadBalancer.ingress`: an IP address or a host name. */
export interface LoadBalancerAddress {
  readonly ip?: string;
  readonly hostname?: string;
}

/** The fields of a coordination.k8s.io/v1 Lease the election reads and writes. */
export interface LeaseSpec {
  /** `''` when nobody holds the lease (after a release). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 with microseconds, as the API's MicroTime; null when unset. */
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  readonly leaseTransitions: number;
}

/** A Lease as read: its identity, the version a write must name, and its spec. */
export interface Lease {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly spec: LeaseSpec;
}

/** What the status writer needs of an Ingress. */
export interface IngressState {
  readonly namespace: string;
  readonly name: string;
  /** `''` when unknown. */
  readonly uid: string;
  readonly resourceVersion: string;
  /** `status.loadBalancer.ingress`, as found (empty when absent). */
  readonly addresses: readonly LoadBalancerAddress[];
  /** The whole object as read, which a status update sends back with the new status. */
  readonly object?: Readonly<Record<string, unknown>>;
}

/** An object an Event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** `''` when unknown (the field is then left out). */
  readonly uid: string;
}

/** A core/v1 Event to create. */
export interface EventRecord {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: InvolvedObject;
  readonly count: number;
  /** RFC 3339, whole seconds. */
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  /** `source.component` and `reportingComponent`. */
  readonly component: string;
  /** `reportingInstance` (the replica's identity). */
  readonly instance: string;
}

/** A change to a recorded Event: the repeat count and when it was last seen. */
export interface EventBump {
  readonly count: number;
  readonly lastTimestamp: string;
}

/**
 * The calls of the status room. Every call rejects with a {@link StatusApiError}; reads answer
 * null for a missing object instead.
 */
export interface StatusClient {
  getLease(namespace: string, name: string): Promise<Lease | null>;
  /** Fails with 409 when the Lease exists already. */
  createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease>;
  /** Replaces the spec if the Lease is still at `lease.resourceVersion`; 409 when it is not. */
  updateLease(lease: Lease, spec: LeaseSpec): Promise<Lease>;
  /** The Service as raw JSON. */
  getService(namespace: string, name: string): Promise<unknown>;
  getIngress(namespace: string, name: string): Promise<IngressState | null>;
  /**
   * Sets `status.loadBalancer.ingress` (empty: removes it) with an update of the status
   * subresource, if the Ingress is still at `ingress.resourceVersion` (409 otherwise; 404 when
   * it is gone), and returns the new state.
   */
  updateIngressStatus(
    ingress: IngressState,
    addresses: readonly LoadBalancerAddress[],
  ): Promise<IngressState>;
  createEvent(event: EventRecord): Promise<void>;
  /** 404 when the Event is gone (Events expire after an hour by default). */
  patchEvent(namespace: string, name: string, bump: EventBump): Promise<void>;
}

/** Why a call failed, in stable words. */
export type StatusApiErrorReason = 'Http' | 'Network' | 'Timeout' | 'BadResponse';

/** A failed call, with the HTTP status when the server answered one (0 otherwise). */
export class StatusApiError extends Error {
  readonly reason: StatusApiErrorReason;
  readonly status: number;

  constructor(
    reason: StatusApiErrorReason,
    status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StatusApiError';
    this.reason = reason;
    this.status = status;
  }

  /** The object changed since it was read (or already exists, on create). */
  get conflict(): boolean {
    return this.status === 409;
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

/** The error's message, for logs, whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
