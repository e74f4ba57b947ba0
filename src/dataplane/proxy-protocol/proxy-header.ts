import { isIP } from 'node:net';
import { formatIpv6 } from '../../ir/index.ts';

/** The signature that opens a version 2 (binary) PROXY protocol header. */
export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** The longest version 1 header the specification allows, CRLF included. */
export const PROXY_V1_MAX_BYTES = 107;
/**
 * The longest version 2 header accepted: the fixed 16 bytes and an address block with TLVs of
 * up to 4 KiB. The specification allows 64 KiB; load balancers send well under 1 KiB (AWS NLB's
 * VPC endpoint TLV is about 40 bytes), and a bound keeps what a connection can make us buffer
 * small.
 */
export const PROXY_V2_MAX_BYTES = 16 + 4096;

/** The client a PROXY header speaks for. */
export interface ProxySource {
  /** The source address, IPv4 dotted or IPv6 text (an IPv4-mapped one as IPv4). */
  readonly address: string;
  readonly port: number;
}

/** What the first bytes of a connection say as a PROXY protocol header. */
export type ProxyHeaderRead =
  /** Not enough bytes yet to tell. */
  | { readonly kind: 'incomplete' }
  /** Not a header this reader accepts: the connection must be closed. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /**
   * A whole header of `length` bytes. `source` is null when it gives no client address: v1
   * `UNKNOWN`, v2 `LOCAL` (a balancer's own health check), or an unspecified or UNIX family.
   */
  | {
      readonly kind: 'header';
      readonly version: 1 | 2;
      readonly length: number;
      readonly source: ProxySource | null;
    };

const INCOMPLETE: ProxyHeaderRead = Object.freeze({ kind: 'incomplete' });

/**
 * Reads a PROXY protocol header (version 1 text or version 2 binary, as HAProxy's specification
 * describes them) from the start of `bytes`. Never throws: whatever the bytes, the answer is
 * incomplete, invalid or a header, and an incomplete answer is only given while a header could
 * still be completed within {@link PROXY_V1_MAX_BYTES} or {@link PROXY_V2_MAX_BYTES}.
 */
export function readProxyHeader(bytes: Buffer): ProxyHeaderRead {
  if (startsLike(bytes, PROXY_V2_SIGNATURE)) {
    return bytes.length < PROXY_V2_SIGNATURE.length ? INCOMPLETE : readV2(bytes);
  }
  if (startsLike(bytes, V1_PREFIX)) {
    return bytes.length < V1_PREFIX.length ? INCOMPLETE : readV1(bytes);
  }
  return invalid('the connection does not open with a PROXY protocol header');
}

/** True when the shorter of `bytes` and `prefix` is a prefix of the other. */
function startsLike(bytes: Buffer, prefix: Buffer): boolean {
  const length = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, length).equals(prefix.subarray(0, length));
}

function invalid(reason: string): ProxyHeaderRead {
  return { kind: 'invalid', reason };
}

function readV1(bytes: Buffer): ProxyHeaderRead {
  const limit = Math.min(bytes.length, PROXY_V1_MAX_BYTES);
  let end = -1;
  for (let i = V1_PREFIX.length; i < limit; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x0d) {
      if (i + 1 >= bytes.length) return INCOMPLETE;
      if (bytes[i + 1] !== 0x0a) return invalid('v1 header: CR without LF');
      end = i;
      break;
    }
    // Printable ASCII only: anything else cannot be part of a v1 line.
    if (byte < 0x20 || byte > 0x7e) return invalid('v1 header: a byte that is not printable');
  }
  if (end === -1) {
    return bytes.length >= PROXY_V1_MAX_BYTES
      ? invalid('v1 header: longer than 107 bytes')
      : INCOMPLETE;
  }
  const length = end + 2;
  const fields = bytes.toString('latin1', V1_PREFIX.length, end).split(' ');
  const protocol = fields[0];
  // UNKNOWN: the sender could not tell; whatever follows it on the line is ignored.
  if (protocol === 'UNKNOWN') return { kind: 'header', version: 1, length, source: null };
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return invalid('v1 header: unknown protocol');
  if (fields.length !== 5) return invalid('v1 header: expected four fields after the protocol');
  const [, source = '', destination = '', sourcePort = '', destinationPort = ''] = fields;
  const family = protocol === 'TCP4' ? 4 : 6;
  if (isIP(source) !== family || isIP(destination) !== family) {
    return invalid(`v1 header: an address is not ${protocol === 'TCP4' ? 'IPv4' : 'IPv6'}`);
  }
  // A zone (`fe80::1%eth0`) names an interface of the sender, never a client.
  if (source.includes('%') || destination.includes('%'))
    return invalid('v1 header: an address has a zone');
  const port = portOf(sourcePort);
  if (port === null || portOf(destinationPort) === null)
    return invalid('v1 header: a port is not 0-65535');
  return { kind: 'header', version: 1, length, source: { address: normalise(source), port } };
}

function portOf(text: string): number | null {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

// The address block sizes of the v2 families: INET, INET6, UNIX.
const V2_ADDRESS_BYTES: Readonly<Record<number, number>> = { 1: 12, 2: 36, 3: 216 };

function readV2(bytes: Buffer): ProxyHeaderRead {
  if (bytes.length < 16) return INCOMPLETE;
  const versionCommand = bytes[12] as number;
  if (versionCommand >> 4 !== 2) return invalid('v2 header: version is not 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('v2 header: unknown command');
  const family = (bytes[13] as number) >> 4;
  const transport = (bytes[13] as number) & 0x0f;
  if (family > 3 || transport > 2) return invalid('v2 header: unknown address family or transport');
  const blockLength = bytes.readUInt16BE(14);
  const length = 16 + blockLength;
  if (length > PROXY_V2_MAX_BYTES) return invalid('v2 header: longer than accepted');
  const needed = V2_ADDRESS_BYTES[family] ?? 0;
  if (blockLength < needed) return invalid('v2 header: address block too short for its family');
  if (bytes.length < length) return INCOMPLETE;
  // LOCAL: the balancer speaks for itself (a health check); the address block is ignored.
  if (command === 0) return { kind: 'header', version: 2, length, source: null };
  // A datagram transport cannot describe a TCP connection.
  if (transport === 2) return invalid('v2 header: a datagram transport on a stream');
  if (family !== 1 && family !== 2) return { kind: 'header', version: 2, length, source: null };
  const address =
    family === 1 ? ipv4Text(bytes.subarray(16, 20)) : ipv6Text(bytes.subarray(16, 32));
  const port = bytes.readUInt16BE(family === 1 ? 24 : 48);
  return { kind: 'header', version: 2, length, source: { address, port } };
}

function ipv4Text(bytes: Buffer): string {
  return `${String(bytes[0])}.${String(bytes[1])}.${String(bytes[2])}.${String(bytes[3])}`;
}

/** RFC 5952 text of 16 address bytes; an IPv4-mapped address as its IPv4 form. */
export function ipv6Text(bytes: Buffer): string {
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes.readUInt16BE(10) === 0xffff) {
    return ipv4Text(bytes.subarray(12, 16));
  }
  return formatIpv6(bytes);
}

/** The address as the rest of the proxy writes it: IPv4-mapped IPv6 as IPv4. */
function normalise(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  return lower;
}
