import { isIPv4, isIPv6 } from 'node:net';

/**
 * An IP address as bytes: 4 for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) is IPv4, as nginx's access module treats it, so that a dual-stack listener
 * cannot let an IPv4 client slip past IPv4 rules.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A network: an address with its host bits zero, and the length of its prefix in bits. */
export interface IpPrefix {
  readonly address: IpAddress;
  readonly length: number;
}

/**
 * Parses an IP address (no zone, no port, no brackets); undefined when it is not one. Cheap
 * enough for every request: no regular expression, one small allocation.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  return parseAddress(text, true);
}

function parseAddress(text: string, unmap: boolean): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: ipv4Bytes(text) };
  // Node accepts a zone (`fe80::1%eth0`); a zone is not part of an address a rule can name.
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const bytes = ipv6Bytes(text);
  if (unmap && isV4Mapped(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

/**
 * Parses one entry of a source-range list as ingress-nginx does (Go's ParseCIDR, else
 * ParseIP): `10.0.0.0/8`, `2001:db8::/32`, or an address alone (a /32 or /128). Host bits are
 * cleared, as Go does. An IPv4-mapped IPv6 network of at least /96 becomes the IPv4 network it
 * covers. Returns a message when the entry is not one.
 */
export function parseIpPrefix(text: string): IpPrefix | string {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const raw = parseAddress(addressText, false);
  if (raw === undefined) return `${JSON.stringify(text)} is not an IP address or CIDR`;
  const bits = raw.bytes.length * 8;
  let length = bits;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
      return `${JSON.stringify(text)} has a bad prefix length (0 to ${String(bits)})`;
    }
    length = Number(lengthText);
  }
  let address = raw;
  if (raw.family === 6 && length >= 96 && isV4Mapped(raw.bytes)) {
    address = { family: 4, bytes: raw.bytes.slice(12) };
    length -= 96;
  }
  return { address: { family: address.family, bytes: masked(address.bytes, length) }, length };
}

/** The canonical text of a network: `10.0.0.0/8`, `2001:db8::/32` (RFC 5952), always a length. */
export function formatIpPrefix(prefix: IpPrefix): string {
  const { bytes } = prefix.address;
  const address = prefix.address.family === 4 ? bytes.join('.') : formatIpv6(bytes);
  return `${address}/${String(prefix.length)}`;
}

/** A comma-separated list of networks, canonical, sorted and without repeats; or the first bad entry. */
export type CidrListRead =
  | { readonly ok: true; readonly cidrs: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads a comma-separated list of addresses and CIDRs (entries trimmed). As in ingress-nginx,
 * one bad entry makes the whole list bad (its validator refuses it), and so does an empty one.
 */
export function parseCidrList(value: string): CidrListRead {
  const cidrs = new Set<string>();
  for (const entry of value.split(',')) {
    const prefix = parseIpPrefix(entry.trim());
    if (typeof prefix === 'string') return { ok: false, problem: prefix };
    cidrs.add(formatIpPrefix(prefix));
  }
  return { ok: true, cidrs: [...cidrs].sort() };
}

function ipv4Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(4);
  let index = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      bytes[index++] = value;
      value = 0;
    } else {
      value = value * 10 + code - 48;
    }
  }
  bytes[index] = value;
  return bytes;
}

/** The bytes of an address `isIPv6` accepted (so its syntax is already known to be right). */
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const gap = text.indexOf('::');
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headGroups = groupsOf(head);
  const tailGroups = groupsOf(tail);
  headGroups.forEach((group, i) => {
    writeGroup(bytes, i, group);
  });
  const tailStart = 8 - tailGroups.length;
  tailGroups.forEach((group, i) => {
    writeGroup(bytes, tailStart + i, group);
  });
  return bytes;
}

/** The 16-bit groups of one side of `::`, a trailing dotted IPv4 part counting as two. */
function groupsOf(side: string): number[] {
  if (side === '') return [];
  const groups: number[] = [];
  for (const part of side.split(':')) {
    if (part.includes('.')) {
      const [a, b, c, d] = ipv4Bytes(part);
      groups.push(((a ?? 0) << 8) | (b ?? 0), ((c ?? 0) << 8) | (d ?? 0));
    } else {
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function writeGroup(bytes: Uint8Array, index: number, group: number): void {
  bytes[index * 2] = group >> 8;
  bytes[index * 2 + 1] = group & 0xff;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function masked(bytes: Uint8Array, length: number): Uint8Array {
  const out = bytes.slice();
  for (let bit = length; bit < out.length * 8; bit++) {
    out[bit >> 3] = (out[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  return out;
}

/** RFC 5952: lower case, no leading zeros, the longest run (first of equals) of 2+ zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}
