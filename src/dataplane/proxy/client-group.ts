import { isIP } from 'node:net';
import { clientAddress } from './client-address.ts';

/**
 * The key under which a client's connections are counted against the per-client limit: an IPv4
 * address as is (an IPv4-mapped IPv6 address as its IPv4 form), an IPv6 address as its /64
 * (`2001:db8:1:2::/64`). One host is routinely given a whole /64 (RFC 6177, SLAAC), so counting
 * IPv6 per address would let it open the limit's worth of connections from each of 2^64
 * addresses. Empty when the address is unknown (the socket is already gone).
 */
export function clientGroup(remoteAddress: string | undefined): string {
  const address = clientAddress(remoteAddress);
  if (isIP(address) !== 6) return address;
  const groups = firstFourGroups(address);
  return groups === null ? address : `${groups.join(':')}::/64`;
}

/**
 * The first four 16-bit groups of an IPv6 address, without leading zeros; null when it does not
 * parse (isIP accepted it, so only shapes this function does not foresee).
 */
function firstFourGroups(address: string): string[] | null {
  // A zone (`fe80::1%eth0`) names an interface, not part of the address.
  const bare = address.split('%', 1)[0] ?? '';
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted quad (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) fills the last two groups.
  const tailWidth = right.length + (right.at(-1)?.includes('.') === true ? 1 : 0);
  const headWidth = left.length + (left.at(-1)?.includes('.') === true ? 1 : 0);
  const missing = tail === undefined ? 0 : 8 - headWidth - tailWidth;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  if (all.length < 4) return null;
  return all.slice(0, 4).map((group) => {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return group;
    return Number.parseInt(group, 16).toString(16);
  });
}
