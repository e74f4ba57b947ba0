import { X509Certificate } from 'node:crypto';
import type { ObjectResult } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';

const FIRST_CERTIFICATE =
  /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/;

/**
 * The first `notBefore` (ms since the epoch) among the Secrets that translation rejected as
 * `CertificateNotYetValid`; null when none. Translation reports only the reason, so the time is
 * read here from the Secret's own `tls.crt` (its first PEM block, the leaf that translation
 * checked). This keeps the IR free of it and translation free of any scheduling concern.
 */
export function nextCertificateStart(
  results: readonly ObjectResult[],
  secrets: readonly StoredObject[],
): number | null {
  const waiting = new Set(
    results
      .filter(
        (result) =>
          result.kind === 'Secret' &&
          result.state === 'Rejected' &&
          result.problems.some((problem) => problem.code === 'CertificateNotYetValid'),
      )
      .map((result) => `${result.namespace}/${result.name}`),
  );
  if (waiting.size === 0) return null;
  let first: number | null = null;
  for (const secret of secrets) {
    if (!waiting.has(`${secret.namespace}/${secret.name}`)) continue;
    const notBefore = leafNotBefore(secret);
    if (notBefore !== null && (first === null || notBefore < first)) first = notBefore;
  }
  return first;
}

function leafNotBefore(secret: StoredObject): number | null {
  return leafValidity(secret)?.notBefore ?? null;
}

/**
 * The validity period (ms since the epoch) of the leaf certificate of a Secret's `tls.crt` (its
 * first PEM block, the one translation checks); null when there is none to read.
 */
export function leafValidity(
  secret: StoredObject,
): { readonly notBefore: number; readonly notAfter: number } | null {
  const data = secret.object['data'];
  if (typeof data !== 'object' || data === null) return null;
  const encoded = (data as Record<string, unknown>)['tls.crt'];
  if (typeof encoded !== 'string') return null;
  const block = FIRST_CERTIFICATE.exec(Buffer.from(encoded, 'base64').toString('utf8'))?.[0];
  if (block === undefined) return null;
  try {
    const certificate = new X509Certificate(block);
    return {
      notBefore: certificate.validFromDate.getTime(),
      notAfter: certificate.validToDate.getTime(),
    };
  } catch {
    // Translation parsed this very block before rejecting the Secret as not valid yet, so a
    // failure here means the store changed under us; the next rebuild looks again.
    return null;
  }
}
