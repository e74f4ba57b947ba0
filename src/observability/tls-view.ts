import type { RouteTable, TlsHost, TlsSecretRef } from '../ir/index.ts';

/** One certificate in use: its Secret, its expiry, and the hosts it is served for. */
export interface CertificateInUse {
  readonly namespace: string;
  readonly name: string;
  /** When the leaf certificate expires (ISO 8601). */
  readonly notAfter: string;
  /** The TLS hosts served with it; `(default)` stands for the default certificate. */
  readonly hosts: readonly string[];
}

/**
 * The TLS bindings of a table. Tables made before TLS support (older callers, tests) have no
 * `tls` field at run time, whatever the type says.
 */
export function tlsHostsOf(table: RouteTable): readonly TlsHost[] {
  const tls: unknown = table.tls;
  return Array.isArray(tls) ? (tls as readonly TlsHost[]) : [];
}

/** The distinct Secrets whose certificates the table serves, sorted by namespace and name. */
export function certificatesOf(table: RouteTable): CertificateInUse[] {
  const bySecret = new Map<string, CertificateInUse & { hosts: string[] }>();
  const add = (secret: TlsSecretRef, host: string): void => {
    const key = `${secret.namespace}/${secret.name}`;
    let entry = bySecret.get(key);
    if (entry === undefined) {
      const { namespace, name, notAfter } = secret;
      entry = { namespace, name, notAfter, hosts: [] };
      bySecret.set(key, entry);
    }
    entry.hosts.push(host);
  };
  for (const binding of tlsHostsOf(table)) {
    if (binding.secret !== null) add(binding.secret, binding.host);
  }
  const fallback =
    (table.defaultCertificate as RouteTable['defaultCertificate'] | undefined) ?? null;
  if (fallback?.secret != null) add(fallback.secret, '(default)');
  return [...bySecret.values()].sort((a, b) =>
    a.namespace === b.namespace ? compare(a.name, b.name) : compare(a.namespace, b.namespace),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
