import type {
  ExactPathAnswer,
  FixedAnswer,
  HeaderOperation,
  PatternRedirect,
  ResponseRewrites,
} from './header-policies.ts';
import type { AffinityPolicy } from './policy-affinity.ts';
import type { BasicAuthPolicy } from './policy-basic-auth.ts';
import type { CanaryRoute } from './policy-canary.ts';
import type { ClientCertificatePolicy } from './policy-client-certificates.ts';
import type { CorsPolicy } from './policy-cors.ts';
import type { ErrorPagesPolicy } from './policy-error-pages.ts';
import type { ExternalAuthPolicy } from './policy-external-auth.ts';
import type { RateLimitPolicy } from './policy-rate-limits.ts';
import type { SourceRangePolicy } from './policy-source-ranges.ts';

/**
 * The route table (IR): what the data plane serves. Plain, serialisable, frozen data in a
 * canonical order, with a content hash as its version, so that an unchanged table is never
 * swapped in and several workers could share one control plane.
 */

/**
 * How a rule's path is compared. ImplementationSpecific is resolved before it reaches the IR.
 * `Regex`: the path is a regular expression matched as ingress-nginx does, case-insensitive and
 * anchored at the start only (see route-regex.ts); every path of a host in regex mode has it.
 */
export type MatchType = 'Exact' | 'Prefix' | 'Regex';

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

/**
 * Why the proxy answers a route itself instead of forwarding it: the Ingress asks for access
 * control that pointsman does not enforce, so it fails closed (503
 * `PM_ERR_ACCESS_CONTROL_NOT_ENFORCED`) rather than serving the backend open.
 */
export interface RouteRefusal {
  readonly code: 'AccessControlNotEnforced';
  /** The annotation keys that ask for it, sorted. */
  readonly annotations: readonly string[];
}

/**
 * One piece of a value that the data plane fills in per request: literal text, or one of the
 * nginx variables pointsman knows (`scheme`, `host`, `request_uri`, `http_x_name`, ...), named
 * without the `$`. Parsed by the translator; never evaluated as code or templated as text.
 */
export type TemplatePart = { readonly text: string } | { readonly variable: string };

/** A redirect answered instead of proxying (permanent-redirect, temporal-redirect, app-root). */
export interface RouteRedirect {
  /** The status code, 300-308. */
  readonly code: number;
  /** The Location, filled in per request. */
  readonly location: readonly TemplatePart[];
  /** app-root redirects only a request for exactly `/`; the others every request. */
  readonly onlyRoot: boolean;
}

/**
 * How a route is served beyond its backend, from ingress-nginx annotations parsed into types
 * (docs/annotations.md). Every field is optional: absent means the proxy's defaults, and keeps
 * the IR canonical.
 */
export interface RoutePolicies {
  /** Answer with a redirect instead of proxying. */
  readonly redirect?: RouteRedirect;
  /** Largest request body in bytes; larger ones get 413. 0: no limit. */
  readonly maxBodyBytes?: number;
  /** Time allowed to connect to an endpoint. */
  readonly connectTimeoutMs?: number;
  /** Longest wait between two reads from the upstream (and the idle time of tunnels). */
  readonly readTimeoutMs?: number;
  /** Longest wait between two writes to the upstream. */
  readonly sendTimeoutMs?: number;
  /** `false`: the route's requests are left out of the access log (metrics still count them). */
  readonly accessLog?: false;
  /**
   * The Host header sent upstream instead of the client's, filled in per request (upstream-vhost
   * may name nginx variables, as in ingress-nginx).
   */
  readonly upstreamHost?: readonly TemplatePart[];
  /** The X-Forwarded-Prefix header sent upstream. */
  readonly forwardedPrefix?: string;
  /**
   * The upstream path of a `Regex` route, from `rewrite-target`: literal text and the groups
   * (`$1`..`$9`) the route's pattern captured from the request path. The query is kept.
   */
  readonly rewrite?: readonly RewritePart[];
  /** Changes to the request headers sent upstream, in order (snippets). */
  readonly requestHeaders?: readonly HeaderOperation[];
  /** Changes to the response headers sent to the client, in order (snippets). */
  readonly responseHeaders?: readonly HeaderOperation[];
  /** Rewrites of Location, Refresh and Set-Cookie (proxy-redirect-*, proxy-cookie-*). */
  readonly responseRewrites?: ResponseRewrites;
  /** Redirects answered when the path matches a pattern, tried in order before anything else. */
  readonly patternRedirects?: readonly PatternRedirect[];
  /** Answers for exact paths, served instead of proxying (a snippet's `location = /path`). */
  readonly exactAnswers?: readonly ExactPathAnswer[];
  /** Answer this instead of proxying (a snippet's `return 200 "ok"`). */
  readonly answer?: FixedAnswer;
  /** When a failed attempt goes to another endpoint (proxy-next-upstream*); absent: the proxy's. */
  readonly retry?: RetryPolicy;
  /** How the route's requests pick an endpoint of its backend; absent: round robin. */
  readonly balance?: RouteBalance;
  /** Client addresses allowed or refused (allowlist-source-range, denylist-source-range). */
  readonly sourceRanges?: SourceRangePolicy;
  /** Per-client request and connection limits (limit-*). */
  readonly rateLimit?: RateLimitPolicy;
  /** Cross-origin requests answered and marked by the proxy (enable-cors, cors-*). */
  readonly cors?: CorsPolicy;
  /** HTTP basic authentication (auth-type: basic). */
  readonly basicAuth?: BasicAuthPolicy;
  /** Authentication by a subrequest to an auth service (auth-url). */
  readonly externalAuth?: ExternalAuthPolicy;
  /**
   * `satisfy: any`: a request that passes the source ranges, or the authentication, is let
   * through (nginx's `satisfy any`); absent: it must pass every rule.
   */
  readonly satisfyAny?: true;
  /** Sticky sessions by cookie (affinity: cookie). */
  readonly affinity?: AffinityPolicy;
  /** Upstream errors served from another Service, which also stands in (custom-http-errors, default-backend). */
  readonly errorPages?: ErrorPagesPolicy;
}

/**
 * How a route picks among its backend's endpoints (load-balance, upstream-hash-by). It belongs
 * to the route, not the backend: two Ingresses may reach one Service port and ask for different
 * things, and each gets what it asked for. What is learned about the endpoints (latencies) is
 * kept per backend, since it is true of the endpoints whichever route sent the request.
 */
export type RouteBalance =
  /** Peak EWMA of the time to response headers, the better of two endpoints drawn at random. */
  | { readonly method: 'ewma' }
  | {
      /** Consistent hashing of a key, filled in per request: one key, one endpoint. */
      readonly method: 'hash';
      readonly key: readonly TemplatePart[];
      /**
       * upstream-hash-by-subset: the key picks a subset of this many endpoints, and each request
       * one of them at random. Absent: the key picks one endpoint.
       */
      readonly subsetSize?: number;
    };

/**
 * A condition of nginx's `proxy_next_upstream`: `error` (no connection, or one closed before a
 * response), `timeout` (connect or response head), `invalid_header` (an answer that is not
 * valid HTTP), an upstream status, or `non_idempotent` (also retry methods that are not
 * idempotent once the request was sent).
 */
export type RetryCondition =
  | 'error'
  | 'timeout'
  | 'invalid_header'
  | 'http_500'
  | 'http_502'
  | 'http_503'
  | 'http_504'
  | 'http_403'
  | 'http_404'
  | 'http_429'
  | 'non_idempotent';

/** A route's retry settings; each absent field takes the proxy's default. */
export interface RetryPolicy {
  /** The conditions that send a request to another endpoint; empty: never (`off`). */
  readonly on?: readonly RetryCondition[];
  /** Attempts in all, the first included; 0: one per endpoint of the backend. */
  readonly tries?: number;
  /** No attempt starts later than this after the first one, in milliseconds; 0: no bound. */
  readonly timeoutMs?: number;
}

/** A piece of a rewrite target: literal text, or a group of the route's pattern. */
export type RewritePart = { readonly text: string } | { readonly group: number };

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
  /**
   * Plain-HTTP requests that match this route get a 308 to HTTPS: the rule's host has a usable
   * certificate and its Ingress did not turn redirects off, or the Ingress forces them.
   */
  readonly sslRedirect: boolean;
  /** Present when the route is refused rather than forwarded (absent keeps the IR canonical). */
  readonly refusal?: RouteRefusal;
  /** Present when an annotation changes how the route is served. */
  readonly policies?: RoutePolicies;
  /** Present when a canary Ingress takes some of the route's requests. */
  readonly canary?: CanaryRoute;
}

/** `exact` host, `wildcard` (`*.example.com`) or `any` (rules without a host). */
export type HostKind = 'exact' | 'wildcard' | 'any';

/** All path rules for one host, merged across Ingresses, in precedence order. */
export interface HostRoutes {
  /** Lower-case host, `*.suffix` for wildcards, `''` for rules without a host. */
  readonly host: string;
  readonly kind: HostKind;
  readonly paths: readonly PathRoute[];
  /**
   * True when an Ingress on the host asks for regular expressions (`use-regex`, or a
   * `rewrite-target`): then, as in ingress-nginx, every path of the host is a `Regex` path and
   * the first that matches, in precedence order, wins. Absent otherwise.
   */
  readonly regex?: true;
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
    | 'InvalidService'
    | 'InvalidProxySslSecret';
  readonly message: string;
}

/**
 * How the proxy talks to a backend's endpoints, from the `backend-protocol` annotation: HTTP/1.1
 * in cleartext (`HTTP`, the default) or over TLS (`HTTPS`), HTTP/2 in cleartext (`H2C`, and
 * `GRPC`, which is the same on the wire) or over TLS (`GRPCS`).
 */
export type BackendProtocol = 'HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS' | 'H2C';

/**
 * TLS to a backend's endpoints beyond encryption, from ingress-nginx's `proxy-ssl-*` annotations
 * (docs/tls.md): the Secret whose `ca.crt` verifies the upstream and whose `tls.crt`/`tls.key`,
 * when present, are the client certificate sent to it. The PEM text is not in the IR: it travels
 * beside the table, by `secret.version` (certificates.ts).
 */
export interface BackendTls {
  /** The Secret, checked, and the SHA-256 (hex) of its `ca.crt`, `tls.crt` and `tls.key`. */
  readonly secret: {
    readonly namespace: string;
    readonly name: string;
    readonly version: string;
  };
  /** `proxy-ssl-verify: on`: the upstream's certificate must chain to `ca.crt` and name `name`. */
  readonly verify: boolean;
  /** `proxy-ssl-verify-depth`: most certificates allowed above the upstream's own, root included. */
  readonly verifyDepth: number;
  /** `proxy-ssl-name`: the name verified; absent: the Service's `SERVICE.NAMESPACE.svc`. */
  readonly name?: string;
  /** `proxy-ssl-server-name: on` with `proxy-ssl-name`: that name is sent in SNI. */
  readonly sendName?: true;
  /** `proxy-ssl-ciphers`: an OpenSSL cipher list for TLS 1.2. */
  readonly ciphers?: string;
  /** `proxy-ssl-protocols`: the lowest and highest TLS versions offered. */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** A Service port as a set of ready endpoints. */
export interface Backend {
  /**
   * `namespace/service:port` (the port as the Ingress named it), or `namespace/resource:kind/name`;
   * `@PROTOCOL` is appended for a protocol other than HTTP (`shop/api:50051@GRPC`), since two
   * Ingresses may reach one Service port with different protocols.
   */
  readonly id: string;
  /**
   * The protocol when it is not plain HTTP/1.1; absent for HTTP, so that each table has one
   * canonical form (and an unchanged version when nothing but the code changed).
   */
  readonly protocol?: Exclude<BackendProtocol, 'HTTP'>;
  /** TLS settings from `proxy-ssl-*`, only with `HTTPS` or `GRPCS`; absent: not verified. */
  readonly tls?: BackendTls;
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
  /** Present when the Ingress that provides it fails closed (see {@link RouteRefusal}). */
  readonly refusal?: RouteRefusal;
  /**
   * From `--default-backend-service`, not an Ingress: `namespace` and `name` are the Service's.
   * Without a ready endpoint it answers as if there were no default backend (404), as
   * ingress-nginx's built-in fallback does.
   */
  readonly global?: true;
  /** The global `--custom-http-errors` served from the `--default-backend-service`. */
  readonly errorPages?: ErrorPagesPolicy;
  /**
   * The access rules of the Ingress that provides it (source ranges, limits, authentication,
   * `satisfy`), applied to the requests it takes as to the Ingress's paths, as ingress-nginx
   * applies the Ingress's annotations to its default backend location. Absent: none.
   */
  readonly policies?: RoutePolicies;
}

/**
 * A certificate taken from a `kubernetes.io/tls` Secret that passed every check. The key
 * material itself is not in the IR: translation hands it over beside the table, by `version`.
 */
export interface TlsSecretRef {
  readonly namespace: string;
  readonly name: string;
  /** SHA-256 (hex) of the certificate chain and key as stored; a change means a new certificate. */
  readonly version: string;
  /** When the leaf certificate expires (ISO 8601). */
  readonly notAfter: string;
}

/** Why a TLS host or the default certificate has no certificate of its own. */
export interface TlsProblem {
  readonly code:
    | 'SecretNotFound'
    | 'InvalidCertificate'
    | 'InvalidPrivateKey'
    | 'CertificateKeyMismatch'
    | 'CertificateExpired'
    | 'CertificateNotYetValid'
    | 'CertificateHostMismatch';
  readonly message: string;
}

/** A host of some `spec.tls[].hosts`, bound to the certificate that HTTPS serves for it. */
export interface TlsHost {
  /** Lower-case host, `*.suffix` for wildcards. */
  readonly host: string;
  readonly kind: 'exact' | 'wildcard';
  /** null: the default certificate is served (no Secret named, or its Secret is unusable). */
  readonly secret: TlsSecretRef | null;
  /** Why the Secret named for the host is not used; null when it is, or none was named. */
  readonly problem: TlsProblem | null;
  /** Client certificates the host asks for (auth-tls-*); absent: none. */
  readonly clientCertificates?: ClientCertificatePolicy;
}

/** The `--default-ssl-certificate` Secret, when one is configured. */
export interface TlsDefaultCertificate {
  /** null: the Secret is unusable, and the generated self-signed certificate is served. */
  readonly secret: TlsSecretRef | null;
  readonly problem: TlsProblem | null;
}

/**
 * A host whose TLS connections are passed, undecrypted, to a backend that terminates TLS itself
 * (`ssl-passthrough`, behind `--enable-ssl-passthrough`): the HTTPS listener reads the name the
 * client sends (SNI) before any handshake and splices the TCP stream to an endpoint.
 */
export interface PassthroughHost {
  /** Lower-case exact host. */
  readonly host: string;
  /** Id of a backend in {@link RouteTable.backends}: the one of the host's `/` path. */
  readonly backend: string;
  /** The Ingress that asks for it. */
  readonly source: { readonly namespace: string; readonly name: string };
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
  /** Hosts that have a TLS binding, sorted by host. HTTPS picks a certificate by SNI with these. */
  readonly tls: readonly TlsHost[];
  /** The configured default certificate; null when none is configured (a generated one is used). */
  readonly defaultCertificate: TlsDefaultCertificate | null;
  /**
   * Passthrough hosts, sorted by host; absent when there are none, so that tables without them
   * keep the form (and version) they had before passthrough existed.
   */
  readonly passthrough?: readonly PassthroughHost[];
}
