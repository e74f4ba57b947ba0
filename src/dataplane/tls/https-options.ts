import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { CertificateStore } from './certificate-store.ts';
import { secureContextOptions, type TlsSettings } from './tls-settings.ts';

/**
 * Protocols offered by ALPN, HTTP/2 first. A proxy listener narrows this to `http/1.1` when it
 * is not told to serve HTTP/2 (its `http2` option).
 */
export const ALPN_PROTOCOLS: readonly string[] = ['h2', 'http/1.1'];

/**
 * The TLS options of the HTTPS listener: protocol settings, the default certificate (for
 * handshakes without SNI) and an SNICallback that asks the store, which follows the live
 * route table, for the certificate of the name.
 */
export function httpsServerOptions(store: CertificateStore, settings: TlsSettings): TlsOptions {
  return {
    ...secureContextOptions(settings),
    cert: store.defaultMaterial.certPem,
    key: store.defaultMaterial.keyPem,
    ALPNProtocols: [...ALPN_PROTOCOLS],
    // Client certificates are asked for per connection (client-certificate-handshake.ts); a
    // missing or bad one is answered over HTTP by the client-certificate gate, as nginx does.
    requestCert: false,
    rejectUnauthorized: false,
    SNICallback: (servername, callback) => {
      callback(null, store.contextFor(servername));
    },
  };
}

/**
 * Keeps the listener's own certificate (served without SNI) equal to the store's default
 * certificate. Replacing the server's context would also replace its session ticket keys,
 * so they are carried over: resumption survives a rotation. Returns the unsubscribe.
 */
export function followDefaultCertificate(
  server: TlsServer,
  store: CertificateStore,
  settings: TlsSettings,
): () => void {
  return store.onDefaultChange((material) => {
    const ticketKeys = server.getTicketKeys();
    server.setSecureContext({
      ...secureContextOptions(settings),
      cert: material.certPem,
      key: material.keyPem,
    });
    server.setTicketKeys(ticketKeys);
  });
}
