import type { X509Certificate } from 'node:crypto';

/** The names a certificate is valid for, from its subjectAltName extension. */
export interface CertificateNames {
  /** DNS names, lower case, without a trailing dot; wildcards as `*.suffix`. */
  readonly dns: readonly string[];
  /** IP addresses, in the form Node prints them. */
  readonly ip: readonly string[];
}

/**
 * Reads the subjectAltName DNS and IP entries. The subject's CN is not read: browsers and Go
 * clients ignore it when checking a host, so a certificate that names its host only there
 * would fail at every client. Entries Node prints quoted (names with unusual characters) are
 * skipped; no valid host could match them.
 */
export function namesOf(certificate: X509Certificate): CertificateNames {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const entry of (certificate.subjectAltName ?? '').split(', ')) {
    if (entry.includes('"')) continue;
    if (entry.startsWith('DNS:')) dns.push(normalizeName(entry.slice(4)));
    else if (entry.startsWith('IP Address:')) ip.push(entry.slice(11));
  }
  return { dns, ip };
}

/**
 * Whether a certificate with these names is valid for a TLS host (RFC 6125 section 6.4): an
 * exact DNS name; or a wildcard `*.suffix` covering exactly one more label (`*.foo.com`
 * covers `a.foo.com`, not `foo.com` or `a.b.foo.com`), whose suffix has at least two labels;
 * partial wildcards such as `a*.foo.com` are not honoured. A wildcard TLS host (`*.foo.com`)
 * needs that very wildcard among the names. An IPv4 host needs it as an IP entry.
 */
export function coversHost(names: CertificateNames, host: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return names.ip.includes(host);
  if (names.dns.includes(host)) return true;
  if (host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  if (dot <= 0) return false;
  const suffix = host.slice(dot + 1);
  return suffix.includes('.') && names.dns.includes(`*.${suffix}`);
}

function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
