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
}

/** The defaults the CLI starts from. */
export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  controllerName: 'pointsman.dev/ingress-controller',
  ingressClass: 'pointsman',
  watchIngressWithoutClass: false,
};
