/** TLS for the translator: Secrets checked, hosts bound to certificates, redirect annotations. */
export { bindTls, type TlsBindings, type TlsInputs } from './tls-bindings.ts';
export {
  redirectPolicyOf,
  FORCE_SSL_REDIRECT_ANNOTATIONS,
  SSL_REDIRECT_ANNOTATIONS,
  type RedirectPolicy,
  type RedirectPolicyRead,
} from './redirect-annotations.ts';
export { coversHost, namesOf, type CertificateNames } from './certificate-names.ts';
export {
  loadCertificate,
  versionOf,
  type CertificateLoad,
  type LoadedCertificate,
} from './load-certificate.ts';
export { ProxySslSecrets, type ProxySslResolved } from './proxy-ssl-secrets.ts';
export {
  bindClientCertificates,
  type ClientCertificateClaim,
  type ClientCertificateHosts,
} from './client-certificate-hosts.ts';
