import type { SourceRangePolicy } from '../../ir/index.ts';
import { parseIpAddress } from '../../ir/index.ts';
import { PASS, type Gate, type GateVerdict } from './gate.ts';
import { trieOf } from './prefix-trie.ts';

const FORBIDDEN: GateVerdict = Object.freeze({ kind: 'refuse', code: 'PM_ERR_SOURCE_FORBIDDEN' });

/**
 * Checks the client address against allowlist-source-range and denylist-source-range (or the
 * flags' defaults), as nginx's access module with ingress-nginx's `deny` lines first, then the
 * `allow` lines and `deny all`: 403 PM_ERR_SOURCE_FORBIDDEN. Each list is a prefix trie built
 * once per table, so a request costs one walk of at most 128 bits whatever the lists' length.
 */
export const sourceRangeGate: Gate = (request) => {
  const ranges = request.policies.sourceRanges;
  if (ranges === undefined) return undefined;
  return sourceRangeVerdict(ranges, request.client);
};

/**
 * The verdict for one client address. An address that does not parse (the peer already gone)
 * is refused: a rule that cannot be checked does not let the request through.
 */
export function sourceRangeVerdict(ranges: SourceRangePolicy, client: string): GateVerdict {
  const address = parseIpAddress(client);
  if (address === undefined) return FORBIDDEN;
  if (ranges.deny !== undefined && trieOf(ranges.deny).has(address)) return FORBIDDEN;
  if (ranges.allow !== undefined && !trieOf(ranges.allow).has(address)) return FORBIDDEN;
  return PASS;
}
