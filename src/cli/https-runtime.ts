import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import {
  CertificateStore,
  createProxy,
  DEFAULT_CERTIFICATE_NAME,
  followDefaultCertificate,
  generateSelfSigned,
  httpsServerOptions,
  type ListenOptions,
  type Proxy,
  type ProxyOptions,
  type TlsSettings,
} from '../dataplane/index.ts';
import type { CertificateMaterial } from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';

/** The HTTPS listener's settings. */
export interface HttpsConfig {
  /** 0 picks a free port. */
  readonly port: number;
  /** The port named in redirects from HTTP; null: the listener's bound port. */
  readonly redirectPort: number | null;
  readonly tls: TlsSettings;
  /** Strict-Transport-Security value; '' for none. */
  readonly hsts: string;
  /**
   * The certificate served until a table names a default one; generated (self-signed) when
   * absent. The workers of one controller are given the same one.
   */
  readonly fallback?: CertificateMaterial;
  /**
   * TLS session ticket keys (48 bytes); random per process when absent. The workers of one
   * controller share them, so a session resumes on any of them.
   */
  readonly ticketKeys?: Uint8Array;
}

/** The HTTPS side of a running controller, before and after it listens. */
export interface HttpsRuntime {
  /** Give it to the TableHolder: it follows the live table's certificates. */
  readonly certificates: CertificateStore;
  /** Give it to the plain-HTTP proxy (`httpsRedirect`): where its redirects point. */
  readonly redirect: { port: number };
  /** Creates the HTTPS proxy, which serves HTTP/2 as well as HTTP/1.1; call once. */
  createProxy(options: Omit<ProxyOptions, 'tls' | 'proto' | 'hsts' | 'http2'>): Proxy;
  /** Binds the HTTPS proxy, and points redirects at its port unless one was configured. */
  listen(host: string, options?: ListenOptions & { readonly port?: number }): Promise<AddressInfo>;
}

/**
 * Prepares HTTPS: a self-signed default certificate made now (replaced by the
 * `--default-ssl-certificate` Secret once a table names it), the certificate store, and the
 * redirect target of the plain-HTTP listener.
 */
export function prepareHttps(config: HttpsConfig, logger: Logger): HttpsRuntime {
  const fallback = config.fallback ?? generateSelfSigned({ dnsName: DEFAULT_CERTIFICATE_NAME });
  const certificates = new CertificateStore({ settings: config.tls, fallback, logger });
  const redirect = { port: config.redirectPort ?? (config.port === 0 ? 443 : config.port) };
  let proxy: Proxy | null = null;
  return {
    certificates,
    redirect,
    createProxy: (options) => {
      proxy = createProxy({
        ...options,
        proto: 'https',
        hsts: config.hsts,
        tls: httpsServerOptions(certificates, config.tls),
        // h2 by ALPN, beside HTTP/1.1 (docs/tls.md).
        http2: true,
      });
      const server = proxy.server;
      if (!(server instanceof TlsServer)) throw new Error('the HTTPS proxy is not a TLS server');
      if (config.ticketKeys !== undefined) server.setTicketKeys(Buffer.from(config.ticketKeys));
      followDefaultCertificate(server, certificates, config.tls);
      return proxy;
    },
    listen: async (host, options) => {
      if (proxy === null) throw new Error('createProxy() must come before listen()');
      const address = await proxy.listen(options?.port ?? config.port, host, options);
      if (config.redirectPort === null) redirect.port = address.port;
      return address;
    },
  };
}
