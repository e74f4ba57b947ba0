import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateMaterial, ClientCaMaterial } from '../../ir/index.ts';
import { secureContextOptions, type TlsSettings } from './tls-settings.ts';

/**
 * Secure contexts by certificate version. Building one parses the chain and key, so each is
 * built once, when a table that uses it goes live, and kept across table swaps while a table
 * still uses it; handshakes only look contexts up. Dropping an entry does not affect open
 * connections: each holds its own reference.
 */
export class SecureContextCache {
  readonly #settings: TlsSettings;
  readonly #contexts = new Map<string, SecureContext>();

  constructor(settings: TlsSettings) {
    this.#settings = settings;
  }

  /**
   * The context of a certificate, built from `material` when not cached yet. Throws when
   * OpenSSL refuses the material (a key too weak for its security level, say) or there is none.
   * With `clientCa`, the context also holds the CA bundle (and CRL) that client certificates
   * are verified against (auth-tls-secret), and only those: no system roots. Its key is
   * {@link contextKey}.
   */
  get(
    version: string,
    material: CertificateMaterial | undefined,
    clientCa?: { readonly version: string; readonly material: ClientCaMaterial | undefined },
  ): SecureContext {
    const key = contextKey(version, clientCa?.version);
    const cached = this.#contexts.get(key);
    if (cached !== undefined) return cached;
    if (material === undefined) throw new Error(`no key material for certificate ${version}`);
    if (clientCa !== undefined && clientCa.material === undefined) {
      throw new Error(`no client CA material ${clientCa.version}`);
    }
    const ca = clientCa?.material;
    const context = createSecureContext({
      ...secureContextOptions(this.#settings),
      cert: material.certPem,
      key: material.keyPem,
      ...(ca === undefined ? {} : { ca: ca.caPem }),
      ...(ca?.crlPem === undefined ? {} : { crl: ca.crlPem }),
    });
    this.#contexts.set(key, context);
    return context;
  }

  /** Drops every context whose version is not in `versions`. */
  retain(versions: ReadonlySet<string>): void {
    for (const version of this.#contexts.keys()) {
      if (!versions.has(version)) this.#contexts.delete(version);
    }
  }

  /** Contexts held. */
  get size(): number {
    return this.#contexts.size;
  }
}

/** The cache key of a certificate's context, with the client CA bundle it verifies against. */
export function contextKey(version: string, clientCaVersion?: string): string {
  return clientCaVersion === undefined ? version : `${version}+ca:${clientCaVersion}`;
}
