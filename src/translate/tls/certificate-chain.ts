import { X509Certificate } from 'node:crypto';

/** The certificates of a `tls.crt`, leaf first, or why they cannot be read. */
export type ChainRead =
  | { readonly ok: true; readonly chain: readonly [X509Certificate, ...X509Certificate[]] }
  | { readonly ok: false; readonly message: string };

const CERTIFICATE_BLOCK =
  /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;

/**
 * Parses every PEM `CERTIFICATE` block of a `tls.crt`. The first is the leaf (the one served
 * for the host), the rest its intermediates, as TLS sends them. Other blocks are skipped.
 */
export function parseCertificateChain(pem: string): ChainRead {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  const [first, ...rest] = blocks;
  if (first === undefined) {
    return { ok: false, message: 'tls.crt holds no PEM CERTIFICATE block' };
  }
  const parsed: X509Certificate[] = [];
  for (const [index, block] of [first, ...rest].entries()) {
    try {
      parsed.push(new X509Certificate(block));
    } catch (error) {
      const what = index === 0 ? 'the leaf certificate' : `certificate ${String(index + 1)}`;
      return { ok: false, message: `${what} of tls.crt cannot be parsed: ${reason(error)}` };
    }
  }
  const [leaf, ...intermediates] = parsed;
  if (leaf === undefined) throw new Error('unreachable: a parsed chain is never empty');
  return { ok: true, chain: [leaf, ...intermediates] };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
