/** TLS for the data plane: certificates by SNI, following the live table, and TLS settings. */
export {
  CertificateStore,
  type CertificateStoreOptions,
  type DefaultCertificateListener,
} from './certificate-store.ts';
export { ALPN_PROTOCOLS, followDefaultCertificate, httpsServerOptions } from './https-options.ts';
export {
  DEFAULT_CERTIFICATE_NAME,
  generateSelfSigned,
  type SelfSignedOptions,
} from './self-signed.ts';
export {
  DEFAULT_CIPHERS,
  TLS_DEFAULTS,
  secureContextOptions,
  validateTlsSettings,
  type TlsMinVersion,
  type TlsSettings,
} from './tls-settings.ts';
export { buildSniResolver, type SniResolver } from './sni-resolver.ts';
export { SecureContextCache } from './secure-context-cache.ts';
export { sniffServerName } from './server-name-sniffer.ts';
export {
  asksForClientCertificate,
  asksForClientCertificates,
  clientCertificateHostOf,
  clientCertificatesOf,
} from './client-certificate-hosts.ts';
export { HandshakeNames, type HandshakeRecord } from './handshake-names.ts';
