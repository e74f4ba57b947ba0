/**
 * HTTP basic authentication (auth-type: basic, auth-secret, auth-secret-type, auth-realm). The
 * credentials are not in the IR, which is shown at /debug/routes: they travel beside the table
 * (AccessMaterials.credentials), by `secret.version`.
 */
export interface BasicAuthPolicy {
  /**
   * The realm sent in `WWW-Authenticate: Basic realm="..."`. Only the characters ingress-nginx's
   * auth-realm validator allows (letters, digits, space and `-._~/:`), so it never needs
   * escaping inside the quotes; empty when auth-realm is absent, as in ingress-nginx.
   */
  readonly realm: string;
  /**
   * The Secret the users come from: its namespace, its name, and the version (SHA-256, hex) of
   * the credentials read from it, which names them in AccessMaterials.credentials.
   */
  readonly secret: { readonly namespace: string; readonly name: string; readonly version: string };
}
