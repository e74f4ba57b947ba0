/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy never
 * forwards them, nor any header the Connection header names.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const PLAIN_CONNECTION = /^\s*(keep-alive|close)\s*$/i;

/** True for a hop-by-hop header; `name` must be lower case. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/**
 * The header names a Connection header lists (lower case), or null when there is none. One
 * value or several (the header may appear more than once).
 */
export function connectionTokens(
  value: string | readonly string[] | undefined,
): Set<string> | null {
  if (value === undefined) return null;
  // Almost every request says just keep-alive or close: both name no header to remove.
  if (typeof value === 'string' && PLAIN_CONNECTION.test(value)) return null;
  const tokens = new Set<string>();
  for (const line of typeof value === 'string' ? [value] : value) {
    for (const token of line.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') tokens.add(name);
    }
  }
  return tokens;
}
