import { parseIpPrefix, type IpAddress } from '../../ir/index.ts';

/** One family's binary trie: node `n` has children at `2n` (bit 0) and `2n + 1` (bit 1). */
interface FamilyTrie {
  /** Child node indexes; 0 is "none" (the root, node 0, is nobody's child). */
  readonly children: Int32Array;
  /** 1 where a listed network ends: every address below it matches. */
  readonly terminal: Uint8Array;
}

/**
 * A set of IPv4 and IPv6 networks, matched by walking the bits of an address down a binary
 * trie: at most 32 (IPv4) or 128 (IPv6) steps, whatever the number of networks, with no
 * allocation. Built once from canonical CIDRs (the IR's), then read only.
 */
export class PrefixTrie {
  readonly #v4: FamilyTrie | null;
  readonly #v6: FamilyTrie | null;

  private constructor(v4: FamilyTrie | null, v6: FamilyTrie | null) {
    this.#v4 = v4;
    this.#v6 = v6;
  }

  /** The trie of a list of CIDRs; entries that do not parse are skipped (the IR has none). */
  static of(cidrs: readonly string[]): PrefixTrie {
    const byFamily: Record<4 | 6, { bytes: Uint8Array; length: number }[]> = { 4: [], 6: [] };
    for (const cidr of cidrs) {
      const prefix = parseIpPrefix(cidr);
      if (typeof prefix === 'string') continue;
      byFamily[prefix.address.family].push({ bytes: prefix.address.bytes, length: prefix.length });
    }
    return new PrefixTrie(build(byFamily[4]), build(byFamily[6]));
  }

  /** True when the address is in one of the networks. */
  has(address: IpAddress): boolean {
    const trie = address.family === 4 ? this.#v4 : this.#v6;
    if (trie === null) return false;
    const { children, terminal } = trie;
    const { bytes } = address;
    const bits = bytes.length * 8;
    let node = 0;
    for (let bit = 0; bit < bits; bit++) {
      if (terminal[node] === 1) return true;
      const next = children[
        node * 2 + (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1)
      ] as number;
      if (next === 0) return false;
      node = next;
    }
    return terminal[node] === 1;
  }
}

function build(prefixes: readonly { bytes: Uint8Array; length: number }[]): FamilyTrie | null {
  if (prefixes.length === 0) return null;
  // Shorter networks first: a longer one under a network already listed adds no node.
  const sorted = [...prefixes].sort((a, b) => a.length - b.length);
  let capacity = 1;
  for (const prefix of sorted) capacity += prefix.length;
  const children = new Int32Array(capacity * 2);
  const terminal = new Uint8Array(capacity);
  let used = 1;
  for (const { bytes, length } of sorted) {
    let node = 0;
    let covered = false;
    for (let bit = 0; bit < length; bit++) {
      if (terminal[node] === 1) {
        covered = true;
        break;
      }
      const slot = node * 2 + (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
      let next = children[slot] as number;
      if (next === 0) {
        next = used++;
        children[slot] = next;
      }
      node = next;
    }
    if (!covered) terminal[node] = 1;
  }
  // Keep only the nodes used: a list of long networks sharing prefixes uses far fewer.
  return { children: children.slice(0, used * 2), terminal: terminal.slice(0, used) };
}

const TRIES = new WeakMap<readonly string[], PrefixTrie>();

/**
 * The trie of a list of CIDRs from the IR, built on first use and kept as long as the list is:
 * a route table's policies are built once and never change, so each list is compiled once per
 * table, never per request.
 */
export function trieOf(cidrs: readonly string[]): PrefixTrie {
  let trie = TRIES.get(cidrs);
  if (trie === undefined) {
    trie = PrefixTrie.of(cidrs);
    TRIES.set(cidrs, trie);
  }
  return trie;
}
