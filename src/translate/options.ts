import type { ExternalAuthPolicy } from '../ir/index.ts';

/** A Secret by namespace and name. */
export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** Settings that change what the translator considers ours and how it reads Ingresses. */
export interface TranslateOptions {
  /** `spec.controller` value of the IngressClasses we implement. */
  readonly controllerName: string;
  /** Class name accepted in the legacy `kubernetes.io/ingress.class` annotation. */
  readonly ingressClass: string;
  /** Serve Ingresses that name no class at all, even without a default IngressClass of ours. */
  readonly watchIngressWithoutClass: boolean;
  /**
   * The time (milliseconds since the epoch) certificates are checked against: one that has
   * expired, or is not valid yet, is refused. Translation never reads the clock itself, so it
   * stays pure: the control loop passes `Date.now()` on each rebuild, the one-shot commands
   * pass it once, and golden tests pass a fixed time. Without it the validity period is not
   * checked at all.
   */
  readonly now?: number;
  /**
   * The `--default-ssl-certificate` Secret: served for handshakes without SNI, for unknown names
   * and for TLS hosts without a usable certificate of their own. Checked like every TLS Secret.
   */
  readonly defaultCertificate?: SecretRef | null;
  /**
   * A second prefix under which ingress-nginx annotations are read, as ingress-nginx's
   * `--annotations-prefix` (e.g. `ingress.kubernetes.io`); `nginx.ingress.kubernetes.io` is
   * always read. A key under this prefix wins over the same name under the default one.
   */
  readonly annotationsPrefix?: string;
  /**
   * `--enable-ssl-passthrough`: the `ssl-passthrough` annotation is honoured (see
   * ssl-passthrough.ts). Off, it is reported and the Ingress is served with TLS ending here.
   */
  readonly sslPassthrough?: boolean;
  /**
   * `--allowed-response-headers`: the header names (any case) a `custom-headers` ConfigMap may
   * set, as ingress-nginx's `global-allowed-response-headers`. Absent or empty: none.
   */
  readonly allowedResponseHeaders?: readonly string[];
  /**
   * `--default-backend-service`: the Service (its first port) that answers what no rule matches
   * when no Ingress has a `spec.defaultBackend`, and serves the error pages of routes whose
   * Ingress names no `default-backend` of its own, as ingress-nginx's flag.
   */
  readonly defaultBackendService?: SecretRef | null;
  /**
   * `--custom-http-errors`: statuses (400-599, ascending) served from the error backend on every
   * route whose Ingress has no `custom-http-errors` of its own, as ingress-nginx's ConfigMap key.
   */
  readonly customHttpErrors?: readonly number[];
  /**
   * `--allowlist-source-range`: canonical CIDRs (ir/ip-ranges.ts) that every route whose
   * Ingress sets no `allowlist-source-range` is limited to, as ingress-nginx's ConfigMap key
   * `whitelist-source-range`. Absent or empty: none.
   */
  readonly allowlistSourceRange?: readonly string[];
  /** `--denylist-source-range`: the same for `denylist-source-range` (the ConfigMap key of that name). */
  readonly denylistSourceRange?: readonly string[];
  /** `--limit-req-status-code`: the status of a request over limit-rps/limit-rpm (default 503). */
  readonly limitReqStatusCode?: number;
  /** `--limit-conn-status-code`: the status of a request over limit-connections (default 503). */
  readonly limitConnStatusCode?: number;
  /**
   * `--global-auth-url` and the other `--global-auth-*` flags, checked: the external
   * authentication of every route whose Ingress has no auth-url of its own and does not say
   * `enable-global-auth: "false"` (ingress-nginx's global-auth-* ConfigMap keys).
   */
  readonly globalAuth?: ExternalAuthPolicy;
  /**
   * `--no-auth-locations`: route paths starting with one of these are not externally
   * authenticated (ingress-nginx's no-auth-locations). Absent: `/.well-known/acme-challenge`.
   */
  readonly noAuthLocations?: readonly string[];
  /**
   * `--allow-cross-namespace-resources`, as ingress-nginx's `allow-cross-namespace-resources`
   * (default false): annotations that name a Secret (auth-secret) may name one of another
   * namespace, `namespace/name`. Off, only the Ingress's own namespace is read.
   */
  readonly allowCrossNamespaceResources?: boolean;
  /**
   * A key the version of each set of credentials (basic authentication) is an HMAC under, so
   * that the versions shown in /debug/routes and the table's version cannot be used to test
   * guesses of a password offline. Translation stays pure: the control loop draws it once per
   * process and passes it on every rebuild (as it passes `now`). Absent (one-shot commands,
   * golden tests): a plain SHA-256.
   */
  readonly versionKey?: Uint8Array;
}

/** The defaults the CLI starts from. */
export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  controllerName: 'pointsman.dev/ingress-controller',
  ingressClass: 'pointsman',
  watchIngressWithoutClass: false,
};
