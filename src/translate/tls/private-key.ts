import { createPrivateKey, type KeyObject } from 'node:crypto';

/** A parsed private key, or why `tls.key` has none. */
export type KeyRead =
  { readonly ok: true; readonly key: KeyObject } | { readonly ok: false; readonly message: string };

/**
 * Parses the PEM private key of a `tls.key`: PKCS#1 (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE
 * KEY`) or SEC1 (`EC PRIVATE KEY`, with or without its `EC PARAMETERS` block). An encrypted
 * key cannot be used: there is nowhere to keep its passphrase.
 */
export function parsePrivateKey(pem: string): KeyRead {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    return { ok: false, message: 'tls.key is encrypted; store the key without a passphrase' };
  }
  try {
    return { ok: true, key: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `tls.key is not a PEM private key: ${detail}` };
  }
}
