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

/**
 * How a password hash is checked, as htpasswd writes it: `bcrypt` (`$2y$`, `$2a$`, `$2b$`),
 * `apr1` (Apache's MD5, `$apr1$`), `md5-crypt` (`$1$`, the same algorithm with another magic),
 * `sha1` (`{SHA}`, unsalted) and `ssha` (`{SSHA}`, salted SHA-1, which nginx also reads).
 */
export type PasswordScheme = 'bcrypt' | 'apr1' | 'md5-crypt' | 'sha1' | 'ssha';

/** One user of an `auth-secret` and the hash its password is checked against. */
export interface CredentialEntry {
  readonly user: string;
  readonly scheme: PasswordScheme;
  /** The hash as written in the Secret (already checked to be of `scheme`). */
  readonly hash: string;
}

/**
 * The content of an `auth-secret` (basic authentication): the htpasswd text of its `auth` key
 * (`auth-file`), or each key and value as user and hash (`auth-map`), parsed and checked, in
 * the order written. A user written twice keeps its first entry, as nginx reads the file.
 */
export interface CredentialsMaterial {
  readonly entries: readonly CredentialEntry[];
}

/** The PEM text of an `auth-tls-secret`: the CA bundle clients are verified against, and a CRL. */
export interface ClientCaMaterial {
  readonly caPem: string;
  readonly crlPem?: string;
}

/**
 * The secret material of access-control policies, by the version their policy names: like
 * certificates, it travels beside the table and is never part of the IR or its debug views.
 */
export interface AccessMaterials {
  /** By BasicAuthPolicy.secret.version. */
  readonly credentials: ReadonlyMap<string, CredentialsMaterial>;
  /** By ClientCertificatePolicy.secret.version. */
  readonly clientCas: ReadonlyMap<string, ClientCaMaterial>;
}

/** No access material: the value for tables that need none. */
export const NO_ACCESS_MATERIALS: AccessMaterials = {
  credentials: new Map(),
  clientCas: new Map(),
};
