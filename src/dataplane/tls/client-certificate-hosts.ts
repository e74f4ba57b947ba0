import { wildcardSuffix } from '../../ir/index.ts';
import type { ClientCertificatePolicy, RouteTable } from '../../ir/index.ts';

/**
 * The client-certificate rules of a table by routing host: what a request (or a handshake's
 * server name) routed to that host entry must meet. Translation binds the rules to the TLS
 * entry named exactly as the rule host (client-certificate-hosts.ts there), so the entry of
 * the routing host is where they are found; a TLS entry that is no routing host sets nothing.
 */
interface HostRules {
  /** Exact routing hosts, with their rules or null. */
  readonly exact: ReadonlyMap<string, ClientCertificatePolicy | null>;
  /** Wildcard routing hosts by what follows `*.`, with their rules or null. */
  readonly wildcard: ReadonlyMap<string, ClientCertificatePolicy | null>;
  /** Whether some host asks the handshake for a certificate (verify other than off). */
  readonly asks: boolean;
}

const NONE: HostRules = { exact: new Map(), wildcard: new Map(), asks: false };

// Built once per table (the table is frozen), dropped with it.
const rulesOfTable = new WeakMap<RouteTable, HostRules>();

function rulesOf(table: RouteTable): HostRules {
  let rules = rulesOfTable.get(table);
  if (rules !== undefined) return rules;
  if (!table.tls.some((entry) => entry.clientCertificates !== undefined)) {
    rules = NONE;
  } else {
    const policies = new Map<string, ClientCertificatePolicy>();
    for (const entry of table.tls) {
      if (entry.clientCertificates !== undefined)
        policies.set(entry.host, entry.clientCertificates);
    }
    const exact = new Map<string, ClientCertificatePolicy | null>();
    const wildcard = new Map<string, ClientCertificatePolicy | null>();
    let asks = false;
    // Every routing host is listed, with or without rules, as routing chooses among them: an
    // exact routing host without rules shadows its wildcard's, a TLS name that is no routing
    // host gets the rules of the host that serves it.
    for (const entry of table.hosts) {
      const policy = policies.get(entry.host) ?? null;
      if (entry.kind === 'exact') {
        if (!exact.has(entry.host)) exact.set(entry.host, policy);
      } else if (entry.kind === 'wildcard' && entry.host.startsWith('*.')) {
        const suffix = entry.host.slice(2);
        if (!wildcard.has(suffix)) wildcard.set(suffix, policy);
      } else continue;
      if (policy !== null && policy.verify !== 'off') asks = true;
    }
    rules = { exact, wildcard, asks };
  }
  rulesOfTable.set(table, rules);
  return rules;
}

/**
 * The client-certificate rules of a host name (a request's host or an SNI name, lower case, no
 * trailing dot): those of the routing host it is served by, chosen as routing chooses (the
 * exact host, else its wildcard); undefined when it has none. No allocation on the common path.
 */
export function clientCertificatesOf(
  table: RouteTable,
  name: string,
): ClientCertificatePolicy | undefined {
  const rules = rulesOf(table);
  if (rules === NONE) return undefined;
  const exact = rules.exact.get(name);
  if (exact !== undefined) return exact ?? undefined;
  if (rules.wildcard.size === 0) return undefined;
  const suffix = wildcardSuffix(name);
  return suffix === null ? undefined : (rules.wildcard.get(suffix) ?? undefined);
}

/** Whether a handshake for some name of the table asks for a client certificate. */
export function asksForClientCertificates(table: RouteTable): boolean {
  return rulesOf(table).asks;
}

/** Whether a handshake naming `serverName` (as sent, any case) asks for a client certificate. */
export function asksForClientCertificate(table: RouteTable, serverName: string | null): boolean {
  if (serverName === null) return false;
  let name = serverName.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const policy = clientCertificatesOf(table, name);
  return policy !== undefined && policy.verify !== 'off';
}

/**
 * The routing host (`a.example.com` or `*.example.com`) a name is served by, among the table's
 * exact and wildcard hosts, when the table has client-certificate rules; null when none. A
 * handshake and a request are for the same server when their names give the same key.
 */
export function clientCertificateHostOf(table: RouteTable, name: string): string | null {
  const rules = rulesOf(table);
  if (rules.exact.has(name)) return name;
  const suffix = wildcardSuffix(name);
  if (suffix === null) return null;
  return rules.wildcard.has(suffix) ? `*.${suffix}` : null;
}
