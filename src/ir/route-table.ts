/**
 * The route table (IR): what the data plane serves. Plain, serialisable, frozen data in a
 * canonical order, with a content hash as its version, so that an unchanged table is never
 * swapped in and several workers could share one control plane.
 */

/** How a rule's path is compared. ImplementationSpecific is resolved before it reaches the IR. */
export type MatchType = 'Exact' | 'Prefix';

/** The pathType as the Ingress declared it. */
export type DeclaredPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** Where a route came from: the Ingress and the position of the path in it. */
export interface RouteSource {
  readonly namespace: string;
  readonly name: string;
  /** Index in `spec.rules`. */
  readonly rule: number;
  /** Index in `spec.rules[rule].http.paths`. */
  readonly path: number;
}

/** One path rule of one host. */
export interface PathRoute {
  /**
   * The path to compare. For Prefix it is normalised: a trailing `/` is dropped (except for the
   * root `/`), since the rule `/foo/` matches exactly what `/foo` matches.
   */
  readonly path: string;
  readonly match: MatchType;
  readonly declaredPathType: DeclaredPathType;
  /** Id of a backend in {@link RouteTable.backends}. */
  readonly backend: string;
  readonly source: RouteSource;
}

/** `exact` host, `wildcard` (`*.example.com`) or `any` (rules without a host). */
export type HostKind = 'exact' | 'wildcard' | 'any';

/** All path rules for one host, merged across Ingresses, in precedence order. */
export interface HostRoutes {
  /** Lower-case host, `*.suffix` for wildcards, `''` for rules without a host. */
  readonly host: string;
  readonly kind: HostKind;
  readonly paths: readonly PathRoute[];
}

/** A ready endpoint: one Pod address and port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Why a backend cannot take traffic; requests routed to it get 503. */
export interface BackendProblem {
  readonly code:
    | 'ServiceNotFound'
    | 'ServicePortNotFound'
    | 'NoReadyEndpoints'
    | 'UnsupportedBackend'
    | 'UnsupportedServiceType'
    | 'InvalidService';
  readonly message: string;
}

/** A Service port as a set of ready endpoints. */
export interface Backend {
  /** `namespace/service:port` (the port as the Ingress named it), or `namespace/resource:kind/name`. */
  readonly id: string;
  readonly namespace: string;
  /** Service name; `''` for an unsupported resource backend. */
  readonly service: string;
  /** The port as the Ingress named it: a number or a port name. */
  readonly port: number | string;
  readonly endpoints: readonly Endpoint[];
  readonly problem: BackendProblem | null;
}

/** The default backend chosen among all Ingresses (the oldest one's wins). */
export interface DefaultRoute {
  readonly backend: string;
  readonly namespace: string;
  readonly name: string;
}

/** The whole route table. */
export interface RouteTable {
  /** Content hash of everything below; equal versions mean equal tables. */
  readonly version: string;
  /** Exact hosts (sorted), then wildcard hosts (sorted), then the host-less entry if any. */
  readonly hosts: readonly HostRoutes[];
  readonly defaultBackend: DefaultRoute | null;
  /** Sorted by id. */
  readonly backends: readonly Backend[];
}
