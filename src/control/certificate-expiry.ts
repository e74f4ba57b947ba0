import type { RouteTable } from '../ir/index.ts';

/** The first `notAfter` (ms since the epoch) among the table's certificates; null when none. */
export function nextCertificateExpiry(table: RouteTable): number | null {
  const secrets = [...table.tls.map((host) => host.secret), table.defaultCertificate?.secret];
  let first: number | null = null;
  for (const secret of secrets) {
    if (secret === null || secret === undefined) continue;
    const notAfter = Date.parse(secret.notAfter);
    if (!Number.isNaN(notAfter) && (first === null || notAfter < first)) first = notAfter;
  }
  return first;
}
