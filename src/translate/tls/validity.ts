import type { TlsProblem } from '../../ir/index.ts';
import type { LoadedCertificate } from './load-certificate.ts';

/**
 * Whether the leaf certificate is valid at `now` (milliseconds since the epoch); null when it
 * is, or when no time was given (the check is then skipped, see TranslateOptions.now).
 */
export function validityProblem(
  certificate: LoadedCertificate,
  now: number | undefined,
): TlsProblem | null {
  if (now === undefined) return null;
  if (now > certificate.notAfter) {
    const message = `the certificate in tls.crt expired at ${iso(certificate.notAfter)}`;
    return { code: 'CertificateExpired', message };
  }
  if (now < certificate.notBefore) {
    const message = `the certificate in tls.crt is not valid before ${iso(certificate.notBefore)}`;
    return { code: 'CertificateNotYetValid', message };
  }
  return null;
}

function iso(millis: number): string {
  return new Date(millis).toISOString();
}
