/**
 * Key material travels beside the route table, never inside it: the IR is served at
 * /debug/routes and written to logs, so it names certificates only by their version.
 */

/** A certificate chain and its private key, as PEM text. */
export interface CertificateMaterial {
  /** The leaf certificate first, then any intermediates. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** Certificate material by {@link TlsSecretRef.version}. */
export type Certificates = ReadonlyMap<string, CertificateMaterial>;

/**
 * The PEM text of a `proxy-ssl-secret`: `ca.crt`, the CA certificates an upstream's certificate
 * is verified against, and the client certificate and key sent to it, when the Secret has them.
 */
export interface UpstreamTlsMaterial {
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
}

/** Upstream TLS material by the version its {@link BackendTls} names. */
export type UpstreamTlsMaterials = ReadonlyMap<string, UpstreamTlsMaterial>;
