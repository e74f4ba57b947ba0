/**
 * Client certificates required by a TLS host (auth-tls-*), as ingress-nginx sets them on the
 * host's `server` block: they hold for every path of the host, whichever Ingress added the path.
 * The CA bundle is not in the IR: it travels beside the table (AccessMaterials.clientCas), by
 * `secret.version`.
 */
export interface ClientCertificatePolicy {
  /** The `auth-tls-secret`, checked, and the SHA-256 (hex) of its `ca.crt` and `ca.crl`. */
  readonly secret: { readonly namespace: string; readonly name: string; readonly version: string };
  /**
   * auth-tls-verify-client: `on` (a certificate the CA verifies is required), `optional` (one
   * is asked for; when sent it must verify), `optional_no_ca` (one is asked for; one the CA does
   * not vouch for passes, marked as failed), `off` (none is asked for).
   */
  readonly verify: ClientVerifyMode;
  /** auth-tls-verify-depth: the most intermediate CA certificates between the client's and the CA. */
  readonly depth: number;
  /** auth-tls-pass-certificate-to-upstream: the certificate goes upstream in `ssl-client-cert`. */
  readonly passCertificate: boolean;
  /** auth-tls-error-page: where a client that fails verification is redirected (302). */
  readonly errorPage?: string;
  /**
   * auth-tls-match-cn: an RE2 pattern (it starts with `CN=`) searched in the subject DN in RFC
   * 2253 form (`CN=alice,O=Example`), as nginx's `$ssl_client_s_dn !~`; no match is a 403.
   */
  readonly matchSubject?: string;
}

/** The values of auth-tls-verify-client. */
export type ClientVerifyMode = 'on' | 'off' | 'optional' | 'optional_no_ca';
