import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatIpPrefix,
  parseIpAddress,
  parseIpPrefix,
  type IpAddress,
  type IpPrefix,
} from '../../ir/index.ts';
import { seededRandom as random } from '../../../test/helpers/seeded-random.ts';
import { PrefixTrie, trieOf } from './prefix-trie.ts';

function randomAddress(next: () => number, family: 4 | 6, near?: Uint8Array): IpAddress {
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  // Half the time, share a random-length start with a listed network, so matches happen.
  if (near !== undefined && next() < 0.5) {
    const keep = Math.floor(next() * bytes.length);
    for (let i = 0; i < keep; i++) bytes[i] = near[i] as number;
  }
  return { family, bytes };
}

/** The oracle: every network checked bit by bit, one after the other. */
function linearHas(prefixes: readonly IpPrefix[], address: IpAddress): boolean {
  return prefixes.some((prefix) => {
    if (prefix.address.family !== address.family) return false;
    for (let bit = 0; bit < prefix.length; bit++) {
      const mask = 0x80 >> (bit & 7);
      const a = (address.bytes[bit >> 3] as number) & mask;
      const b = (prefix.address.bytes[bit >> 3] as number) & mask;
      if (a !== b) return false;
    }
    return true;
  });
}

test('10,000 random IPv4 and IPv6 networks: the trie agrees with a linear scan', () => {
  const next = random(20261202);
  const prefixes: IpPrefix[] = [];
  for (let i = 0; i < 10_000; i++) {
    const family = next() < 0.5 ? 4 : 6;
    const bits = family === 4 ? 32 : 128;
    // Mostly long networks, some short ones that cover many others.
    const length =
      next() < 0.01 ? 8 + Math.floor(next() * 9) : Math.floor(bits / 2 + next() * (bits / 2 + 1));
    const parsed = parseIpPrefix(formatIpPrefix({ address: randomAddress(next, family), length }));
    assert.notEqual(typeof parsed, 'string');
    prefixes.push(parsed as IpPrefix);
  }
  const trie = PrefixTrie.of(prefixes.map(formatIpPrefix));
  let matched = 0;
  for (let i = 0; i < 3000; i++) {
    const family = next() < 0.5 ? 4 : 6;
    const near = prefixes[Math.floor(next() * prefixes.length)] as IpPrefix;
    const address = randomAddress(
      next,
      family,
      near.address.family === family ? near.address.bytes : undefined,
    );
    const expected = linearHas(prefixes, address);
    if (expected) matched++;
    assert.equal(trie.has(address), expected, Array.from(address.bytes).join(','));
  }
  // Both answers must have been exercised for the comparison to mean anything.
  assert.ok(matched > 150 && matched < 2850, `matched ${String(matched)}`);
});

test('a lookup costs the same with 10 networks or 10,000', () => {
  const next = random(7);
  const list = (count: number): string[] =>
    Array.from({ length: count }, () =>
      formatIpPrefix({ address: randomAddress(next, 6), length: 64 + Math.floor(next() * 65) }),
    );
  const small = PrefixTrie.of(list(10));
  const large = PrefixTrie.of(list(10_000));
  const probes = Array.from({ length: 2000 }, () => randomAddress(next, 6));
  const time = (trie: PrefixTrie): number => {
    const start = process.hrtime.bigint();
    for (let round = 0; round < 50; round++) for (const probe of probes) trie.has(probe);
    return Number(process.hrtime.bigint() - start);
  };
  time(small);
  time(large);
  const ratio = time(large) / time(small);
  // A linear scan would be about 1000 times slower; a trie walk is bounded by 128 steps.
  assert.ok(ratio < 20, `large/small lookup time ${ratio.toFixed(2)}`);
});

test('edges: /0, /32, /128, IPv4-mapped clients, and each family apart', () => {
  const trie = PrefixTrie.of(['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '::1/128']);
  const has = (text: string): boolean => trie.has(parseIpAddress(text) as IpAddress);
  assert.equal(has('10.255.0.1'), true);
  assert.equal(has('::ffff:10.1.2.3'), true);
  assert.equal(has('11.0.0.0'), false);
  assert.equal(has('192.0.2.7'), true);
  assert.equal(has('192.0.2.8'), false);
  assert.equal(has('2001:db8:ffff::1'), true);
  assert.equal(has('2001:db9::'), false);
  assert.equal(has('::1'), true);
  assert.equal(has('::2'), false);
  // An IPv4 network never matches an IPv6 address that is not mapped (::a00:1 is not 10.0.0.1).
  assert.equal(has('::a00:1'), false);
  const all = PrefixTrie.of(['0.0.0.0/0']);
  assert.equal(all.has(parseIpAddress('203.0.113.9') as IpAddress), true);
  assert.equal(all.has(parseIpAddress('::1') as IpAddress), false);
});

test('trieOf compiles a list once and reuses it', () => {
  const list = Object.freeze(['10.0.0.0/8']);
  assert.equal(trieOf(list), trieOf(list));
});
