import type { HostKind, HostRoutes } from './route-table.ts';
/**
 * Turns a request's Host (or `:authority`) into the form rule hosts are compared in: lower
 * case, without the port and without a trailing dot. Returns null when the value cannot be a
 * host name or address at all, so the data plane can answer 400.
 */
export function normalizeRequestHost(raw: string): string | null {
  let host = raw.trim();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return null;
    const rest = host.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    return host.slice(0, close + 1).toLowerCase();
  }
  const colon = host.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return null;
    host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  // Host names may use any byte the HTTP parser accepted; only the characters that could never
  // appear in a name or address are refused, so odd hosts simply match no rule.
  if (!/^[a-zA-Z0-9._~!$&'()*+,;=%-]*$/.test(host)) return null;
  return host.toLowerCase();
}

/**
 * The suffix a wildcard rule for this host would be stored under: `a.example.com` ->
 * `example.com`. A wildcard covers exactly one label, so a host without a dot has none.
 */
export function wildcardSuffix(host: string): string | null {
  const dot = host.indexOf('.');
  return dot <= 0 ? null : host.slice(dot + 1);
}

const KIND_ORDER: Readonly<Record<HostKind, number>> = { exact: 0, wildcard: 1, any: 2 };

/** The canonical order of host entries: exact, then wildcard, then any host; by name. */
export function compareHosts(a: HostRoutes, b: HostRoutes): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  return a.host < b.host ? -1 : a.host > b.host ? 1 : 0;
}
