/**
 * True when a 101 answer's Upgrade header names only protocols the request's Upgrade header
 * offered, and at least one. A server must say what it switches to, and may only switch to a
 * protocol the client offered (RFC 9110 sections 7.8 and 15.2.2); a tunnel to anything else
 * would hand the client a connection the proxy never agreed to carry. Tokens (`name` or
 * `name/version`) are compared whole and case-insensitively, as WebSocket clients compare them.
 */
export function switchesToOffered(
  offered: string | undefined,
  chosen: string | undefined,
): boolean {
  const offers = protocolTokens(offered);
  const switches = protocolTokens(chosen);
  return switches.length > 0 && switches.every((protocol) => offers.includes(protocol));
}

/** The tokens of an Upgrade value, lower-cased; empty list elements ignored. */
function protocolTokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}
