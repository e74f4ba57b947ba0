import { BlockList, isIP } from 'node:net';

/** The trusted-proxy list parsed into a BlockList, and what could not be parsed. */
export interface TrustedProxies {
  /** Null when the list is empty: nobody is trusted and no lookup is needed. */
  readonly list: BlockList | null;
  readonly problems: readonly string[];
}

/** Parses IP addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`). */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  const problems: string[] = [];
  if (entries.length === 0) return { list: null, problems };
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== null && !validPrefix(prefix, bits, maxBits))
    ) {
      problems.push(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return { list, problems };
}

function validPrefix(text: string | undefined, bits: number, maxBits: number): boolean {
  return text !== undefined && /^\d{1,3}$/.test(text) && bits <= maxBits;
}

/** True when `address` (as {@link clientAddress} gives it) is in the trusted list. */
export function isTrusted(list: BlockList | null, address: string): boolean {
  if (list === null || address === '') return false;
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
