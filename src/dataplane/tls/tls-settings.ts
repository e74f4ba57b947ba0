import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** The lowest TLS version the HTTPS listener accepts. */
export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** Protocol settings shared by the HTTPS listener and every certificate's secure context. */
export interface TlsSettings {
  readonly minVersion: TlsMinVersion;
  /** OpenSSL cipher list; TLS 1.3 suites (`TLS_...`) and TLS 1.2 ones in one string. */
  readonly ciphers: string;
}

/**
 * TLS 1.3's AEAD suites, then for TLS 1.2 only forward-secret ECDHE with AES-GCM or
 * ChaCha20-Poly1305 (Mozilla's "intermediate" profile): no CBC, no RSA key exchange, no SHA-1.
 */
export const DEFAULT_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Defaults: TLS 1.2 and 1.3, {@link DEFAULT_CIPHERS}. */
export const TLS_DEFAULTS: TlsSettings = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: DEFAULT_CIPHERS,
});

/**
 * The options every secure context gets. The listener's own settings are what OpenSSL applies
 * to a handshake (a context chosen by SNI only brings its certificate); they are set on each
 * context too, so a context never offers more than the listener.
 */
export function secureContextOptions(settings: TlsSettings): SecureContextOptions {
  return {
    minVersion: settings.minVersion,
    maxVersion: 'TLSv1.3',
    ciphers: settings.ciphers,
    // The client's order: it knows whether it has AES hardware (Mozilla's recommendation).
    honorCipherOrder: false,
  };
}

/** One message per problem with the settings; empty when they are usable. */
export function validateTlsSettings(settings: TlsSettings): string[] {
  const problems: string[] = [];
  const version: string = settings.minVersion;
  if (version !== 'TLSv1.2' && version !== 'TLSv1.3') {
    problems.push(
      `the minimum TLS version must be TLSv1.2 or TLSv1.3, not ${JSON.stringify(version)}`,
    );
  }
  try {
    createSecureContext({ ciphers: settings.ciphers });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    problems.push(`the cipher list ${JSON.stringify(settings.ciphers)} is not usable: ${detail}`);
  }
  return problems;
}
