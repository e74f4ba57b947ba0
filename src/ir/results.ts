/**
 * Per-object translation results. Every object in a snapshot gets one; the codes are stable and
 * documented in docs/reasons.md (a test fails when the two drift).
 */

/** Every reason code the translator can give, with the one-line meaning the docs show. */
export const REASONS = {
  // The object was refused whole, as the API server would have refused it.
  InvalidObject: 'The object is not shaped as its kind requires (a field has the wrong type).',
  InvalidName: 'metadata.name or metadata.namespace is not a valid Kubernetes name.',
  InvalidAnnotation: 'An annotation or label is malformed (key, value or total size).',
  InvalidIngressClassName: 'spec.ingressClassName is not a valid IngressClass name.',
  ClassConflict: 'The kubernetes.io/ingress.class annotation contradicts spec.ingressClassName.',
  MissingRules: 'The Ingress has neither spec.defaultBackend nor spec.rules.',
  InvalidHost:
    'A rule or TLS host is not a valid DNS name (or is an IP address, or a bad wildcard).',
  MissingPaths: 'A rule has an http section with no paths.',
  MissingPathType: 'A path has no pathType.',
  InvalidPathType: 'A pathType is not Exact, Prefix or ImplementationSpecific.',
  InvalidPath: 'A path is not valid for its pathType.',
  InvalidBackend: 'A backend names neither or both of service and resource.',
  InvalidServiceName: 'A backend service name is not a valid Service name.',
  InvalidServicePort:
    'A backend service port has neither or both of name and number, or is out of range.',
  InvalidTLS: 'A spec.tls entry has an invalid secretName.',
  InvalidIngressClass: 'The IngressClass spec is invalid.',
  InvalidEndpointSlice: 'The EndpointSlice is malformed; its endpoints are not used.',
  InvalidService: 'The Service is malformed; backends that use it answer 503.',
  // The object is not ours; it is neither served nor reported as broken.
  NotOurClass: 'The Ingress belongs to another (or an unknown) IngressClass.',
  NotOurController: 'The IngressClass names another controller.',
  // Accepted, with a problem in part of it.
  Conflict: 'Another, older Ingress already claims the same host, path and pathType.',
  DefaultBackendConflict: 'An older Ingress already provides the default backend.',
  ServiceNotFound: 'The backend Service does not exist; its routes answer 503.',
  ServicePortNotFound: 'The backend Service has no such port; its routes answer 503.',
  NoReadyEndpoints: 'The backend Service has no ready endpoint; its routes answer 503.',
  UnsupportedBackend: 'resource backends are not supported; their routes answer 503.',
  UnsupportedServiceType: 'ExternalName Services are not supported; their routes answer 503.',
  IgnoredAnnotation: 'An annotation pointsman reads has a value it does not accept; it is ignored.',
  UnknownAnnotation:
    'An annotation under the ingress-nginx (or pointsman) prefix is not a known one; it has no effect.',
  UnsupportedAnnotation:
    'An ingress-nginx annotation pointsman does not support; the Ingress is served without it.',
  AccessControlNotEnforced:
    'The Ingress asks for access control pointsman does not enforce; its paths answer 503.',
  InvalidRegexPath:
    'A path on a host in regex mode is not a pattern RE2 accepts (no backreferences or lookaround); it is not served.',
  CertificateConflict:
    'An older Ingress already binds another usable Secret to this TLS host; its certificate is used.',
  IgnoredOnCanary:
    "An annotation of a canary Ingress that ingress-nginx ignores there: the main Ingress's route decides it.",
  CanaryWithoutMain:
    'A canary path has no main route of the same host, path and pathType; it has no effect.',
  CanaryConflict:
    'An older canary already takes the main route of this canary path (one canary per route); it has no effect.',
  // Certificates (docs/tls.md). A Secret that fails a check is Rejected with the code, and each
  // Ingress naming it gets the same code as a problem. SecretNotFound and CertificateHostMismatch
  // are about the Ingress's use of a Secret. Either way the host gets the default certificate.
  SecretNotFound: "The TLS Secret does not exist in the Ingress's namespace.",
  InvalidCertificate: 'tls.crt is missing or is not a PEM certificate chain.',
  InvalidPrivateKey:
    'tls.key is missing, encrypted, or not a PEM private key (PKCS#1, PKCS#8, SEC1).',
  CertificateKeyMismatch: 'tls.key is not the private key of the certificate in tls.crt.',
  CertificateExpired: 'The certificate in tls.crt has expired.',
  CertificateNotYetValid: 'The certificate in tls.crt is not valid yet.',
  CertificateHostMismatch:
    'The certificate does not cover a TLS host (no matching subjectAltName DNS name).',
  InvalidProxySslSecret:
    'The proxy-ssl-secret cannot be used (malformed, of another namespace, missing, or a bad ca.crt, tls.crt or tls.key); the backends answer 503.',
  InvalidAuthSecret:
    'The auth-secret cannot be used (missing, of another namespace, no auth key, a line that is not user:hash, or a hash pointsman does not check, plain text included); the paths answer 503.',
  InvalidAuthTlsSecret:
    'The auth-tls-secret cannot be used (missing, of another namespace, no ca.crt, a certificate or ca.crl that does not parse); the paths answer 503.',
  // Secrets, Services and EndpointSlices that nothing has a problem with.
  Unreferenced: 'No accepted Ingress of ours uses the object.',
} as const satisfies Record<string, string>;

/** A stable reason code. */
export type ReasonCode = keyof typeof REASONS;

/**
 * The codes of annotations not honoured as written. They change what an accepted Ingress does,
 * so its owner is told like a rejection is: a warning in the log and a Warning Event.
 */
export const ANNOTATION_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'AccessControlNotEnforced',
  'UnsupportedAnnotation',
  'UnknownAnnotation',
  'InvalidProxySslSecret',
  'InvalidAuthSecret',
  'InvalidAuthTlsSecret',
]);

/** What happened to one object. */
export type ObjectState = 'Accepted' | 'Rejected' | 'Ignored';

/** One finding about an object: a stable code, a message for people, and where it points. */
export interface Problem {
  readonly code: ReasonCode;
  readonly message: string;
  /** A field path in the object, such as `spec.rules[0].host`. */
  readonly field?: string;
}

/** The outcome of translating one object. */
export interface ObjectResult {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly state: ObjectState;
  /** For Rejected: why. For Accepted: the parts that do not work (503s, conflicts). */
  readonly problems: readonly Problem[];
  /** The manifest file and 0-based document index, for objects loaded from files. */
  readonly origin?: { readonly file: string; readonly document: number };
}
