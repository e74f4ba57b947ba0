import type { BlockList } from 'node:net';
import { isIP } from 'node:net';
import { proxiedAddressOf } from '../proxy-protocol/index.ts';
import { isTrusted } from './trusted-proxies.ts';

/**
 * The client's address as headers should show it: an IPv4 client of a dual-stack listener is
 * reported as `1.2.3.4`, not `::ffff:1.2.3.4`. Empty when the socket is already gone.
 */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  if (remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')) {
    return remoteAddress.slice(7);
  }
  return remoteAddress;
}

/** What decides the client address of a listener's requests. */
export interface ClientAddressSettings {
  /** Trusted proxies; null when none are configured (then the peer is always the client). */
  readonly trusted: BlockList | null;
  /** The header (lower case) whose chain a trusted hop's client is read from. */
  readonly forwardedForHeader: string;
}

/** Who a request comes from. */
export interface ClientOrigin {
  /**
   * The client address every rule uses: forwarded headers (X-Real-IP), request records and
   * access logs, `$remote_addr`, the access gates.
   */
  readonly address: string;
  /**
   * The last hop: the connection's peer, or the client its trusted peer's PROXY header named.
   * It is the address appended to X-Forwarded-For.
   */
  readonly hop: string;
  /** True when `hop` is a trusted proxy: its X-Forwarded-* headers are believed and kept. */
  readonly hopTrusted: boolean;
}

/**
 * The address a connection speaks for, before any request: the client a trusted peer's PROXY
 * header named (see acceptProxyHeader), else the peer. `socket` is a request's socket: the TCP
 * socket, the TLS socket over it, or an HTTP/2 request's stand-in (whose remoteAddress is
 * already this address: see acceptHttp2).
 */
export function connectionAddress(
  socket: { readonly remoteAddress?: string | undefined } | null | undefined,
): string {
  return proxiedAddressOf(socket) ?? clientAddress(socket?.remoteAddress);
}

/**
 * THE decision of who a request comes from; every path in (HTTP/1.1, HTTP/2, upgrades) calls
 * it once per request. The hop is {@link connectionAddress}; when the hop is a trusted proxy,
 * the configured forwarded header's chain is walked from the right, as nginx's `real_ip_recursive
 * on` does (see {@link clientFromChain}). A request from an untrusted hop is its own client,
 * whatever headers it carries.
 */
export function decideClient(
  socket: { readonly remoteAddress?: string | undefined } | null | undefined,
  rawHeaders: readonly string[],
  settings: ClientAddressSettings,
): ClientOrigin {
  const hop = connectionAddress(socket);
  if (!isTrusted(settings.trusted, hop)) return { address: hop, hop, hopTrusted: false };
  const chain = headerChain(rawHeaders, settings.forwardedForHeader);
  const address = chain === undefined ? hop : clientFromChain(hop, chain, settings.trusted);
  return { address, hop, hopTrusted: true };
}

/** Every value of header `name` (lower case), joined with commas in the order received. */
function headerChain(raw: readonly string[], name: string): string | undefined {
  let chain: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== name) continue;
    const value = raw[i + 1] as string;
    chain = chain === undefined ? value : `${chain},${value}`;
  }
  return chain;
}

/** How many entries of a chain are looked at, at most: each hop is one trusted proxy. */
export const MAX_CHAIN_HOPS = 64;

/**
 * nginx's recursive real IP: starting from `hop`, while the current address is trusted, the
 * next entry to the left of the chain becomes the current address. The walk stops at the first
 * untrusted address (the client), at an entry that is not an address (the last good one is
 * kept: a malformed entry can only have been written by someone untrusted), when the chain is
 * used up (its leftmost entry is the client), or after {@link MAX_CHAIN_HOPS} entries. Entries
 * may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:443`), as Azure Application Gateway writes
 * them. Never throws.
 */
export function clientFromChain(hop: string, chain: string, trusted: BlockList | null): string {
  let current = hop;
  let end = chain.length;
  for (let hops = 0; hops < MAX_CHAIN_HOPS && end > 0; hops++) {
    if (!isTrusted(trusted, current)) return current;
    const comma = chain.lastIndexOf(',', end - 1);
    const entry = chain.slice(comma + 1, end).trim();
    end = comma === -1 ? 0 : comma;
    // Empty entries (`a,,b`, a trailing comma) are skipped, as nginx skips separators.
    if (entry === '') continue;
    const address = chainAddress(entry);
    if (address === null) return current;
    current = address;
  }
  return current;
}

/** An entry of a forwarded chain as an address, its port dropped; null when it is not one. */
export function chainAddress(entry: string): string | null {
  let text = entry;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const rest = text.slice(close + 1);
    if (rest !== '' && !/^:[0-9]{1,5}$/.test(rest)) return null;
    text = text.slice(1, close);
    if (isIP(text) !== 6) return null;
  } else if (isIP(text) === 0) {
    const colon = text.lastIndexOf(':');
    // Only IPv4 takes a bare `:port`; bare IPv6 text is whole or not an address.
    if (colon === -1 || !/^[0-9]{1,5}$/.test(text.slice(colon + 1))) return null;
    text = text.slice(0, colon);
    if (isIP(text) !== 4) return null;
  }
  // A zone names an interface of whoever wrote it, never a client.
  if (text.includes('%')) return null;
  return clientAddress(text.toLowerCase());
}
