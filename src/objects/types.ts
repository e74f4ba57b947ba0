/**
 * The Kubernetes objects pointsman reads, as they arrive from a source. Only `kind`,
 * `metadata.name` and `metadata.namespace` are guaranteed; everything else is user input and is
 * read defensively by the translator.
 */

/** The kinds the translator consumes. */
export type ObjectKind =
  'Ingress' | 'IngressClass' | 'Service' | 'EndpointSlice' | 'Secret' | 'ConfigMap';

/** The `apiVersion` pointsman accepts for each kind. */
export const API_VERSIONS: Readonly<Record<ObjectKind, string>> = {
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Service: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Secret: 'v1',
  ConfigMap: 'v1',
};

/** Kinds that live in a namespace; the others are cluster-scoped. */
export const NAMESPACED_KINDS: ReadonlySet<ObjectKind> = new Set([
  'Ingress',
  'Service',
  'EndpointSlice',
  'Secret',
  'ConfigMap',
]);

/** A Kubernetes object as plain JSON. Fields beyond the identity are unchecked. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly creationTimestamp?: unknown;
    readonly labels?: unknown;
    readonly annotations?: unknown;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** Where an object came from, for messages that point the user at the right place. */
export type Origin =
  | { readonly source: 'file'; readonly file: string; readonly document: number }
  | { readonly source: 'kubernetes' };

/** One object in the store, with its identity pulled out and its origin attached. */
export interface StoredObject {
  readonly kind: ObjectKind;
  /** `''` for cluster-scoped kinds. */
  readonly namespace: string;
  readonly name: string;
  readonly object: KubeObject;
  readonly origin: Origin;
  /**
   * Load order within the source. Decides age between objects that carry no
   * `creationTimestamp` (file path, then position in the file).
   */
  readonly sequence: number;
}

/** Everything the translator sees: one immutable view of the store. */
export interface Snapshot {
  readonly ingresses: readonly StoredObject[];
  readonly ingressClasses: readonly StoredObject[];
  readonly services: readonly StoredObject[];
  readonly endpointSlices: readonly StoredObject[];
  readonly secrets: readonly StoredObject[];
  /** The ConfigMaps Ingresses name (custom-headers). */
  readonly configMaps: readonly StoredObject[];
}

/** A reference to an object by kind, namespace and name. */
export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly namespace: string;
  readonly name: string;
}
