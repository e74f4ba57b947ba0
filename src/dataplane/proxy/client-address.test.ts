import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { rememberProxiedAddress } from '../proxy-protocol/index.ts';
import {
  chainAddress,
  clientFromChain,
  connectionAddress,
  decideClient,
  MAX_CHAIN_HOPS,
} from './client-address.ts';
import { parseTrustedProxies } from './trusted-proxies.ts';

const trusted = parseTrustedProxies(['10.0.0.0/8', 'fd00::/8']).list;
const settings = { trusted, forwardedForHeader: 'x-forwarded-for' };

test('chain entries: addresses with or without a port; anything else is not one', () => {
  assert.equal(chainAddress('203.0.113.1'), '203.0.113.1');
  assert.equal(chainAddress('203.0.113.1:5678'), '203.0.113.1');
  assert.equal(chainAddress('2001:DB8::1'), '2001:db8::1');
  assert.equal(chainAddress('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(chainAddress('[2001:db8::1]'), '2001:db8::1');
  assert.equal(chainAddress('::ffff:198.51.100.1'), '198.51.100.1');
  for (const bad of [
    'unknown',
    '',
    '1.2.3',
    '1.2.3.4:',
    '1.2.3.4:x',
    '[1.2.3.4]',
    '[::1',
    'fe80::1%eth0',
    '2001:db8::1:80x',
    '_hidden',
  ]) {
    assert.equal(chainAddress(bad), null, bad);
  }
});

test('the chain is walked from the right while the hop is trusted', () => {
  assert.equal(clientFromChain('10.0.0.1', '203.0.113.1', trusted), '203.0.113.1');
  assert.equal(
    clientFromChain('10.0.0.1', '198.51.100.9, 203.0.113.1, 10.0.0.2', trusted),
    '203.0.113.1',
  );
  // All trusted: the leftmost is the client.
  assert.equal(clientFromChain('10.0.0.1', '10.1.1.1, 10.2.2.2', trusted), '10.1.1.1');
  // A malformed entry stops the walk at the last good address.
  assert.equal(clientFromChain('10.0.0.1', '203.0.113.1, garbage, 10.0.0.2', trusted), '10.0.0.2');
  assert.equal(clientFromChain('10.0.0.1', 'garbage', trusted), '10.0.0.1');
  // Empty entries are separators.
  assert.equal(clientFromChain('10.0.0.1', '203.0.113.1,, ,', trusted), '203.0.113.1');
  // An untrusted hop: the chain is not read at all.
  assert.equal(clientFromChain('192.0.2.1', '203.0.113.1', trusted), '192.0.2.1');
  // Bounded: a chain of trusted hops longer than the bound stops at the bound.
  const long = Array.from({ length: 500 }, (_, i) => `10.0.${String(i >> 8)}.${String(i & 255)}`);
  const out = clientFromChain('10.0.0.1', long.join(','), trusted);
  assert.equal(out, long[long.length - MAX_CHAIN_HOPS]);
});

test('decideClient: a forged chain from an untrusted peer changes nothing', () => {
  const forged = ['X-Forwarded-For', '1.1.1.1', 'X-Real-IP', '1.1.1.1'];
  assert.deepEqual(decideClient({ remoteAddress: '192.0.2.5' }, forged, settings), {
    address: '192.0.2.5',
    hop: '192.0.2.5',
    hopTrusted: false,
  });
  assert.deepEqual(decideClient({ remoteAddress: '::ffff:10.0.0.3' }, forged, settings), {
    address: '1.1.1.1',
    hop: '10.0.0.3',
    hopTrusted: true,
  });
  // Several header lines make one chain, the last line nearest.
  const two = ['x-forwarded-for', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2, 10.9.9.9'];
  assert.equal(decideClient({ remoteAddress: '10.0.0.3' }, two, settings).address, '2.2.2.2');
  // Another header by configuration; X-Forwarded-For is then not read for the address.
  const cf = ['X-Forwarded-For', '9.9.9.9', 'CF-Connecting-IP', '203.0.113.50'];
  const fromCf = decideClient({ remoteAddress: '10.0.0.3' }, cf, {
    trusted,
    forwardedForHeader: 'cf-connecting-ip',
  });
  assert.equal(fromCf.address, '203.0.113.50');
  // No header: the trusted peer is the client.
  assert.equal(decideClient({ remoteAddress: '10.0.0.3' }, [], settings).address, '10.0.0.3');
  // Nobody trusted.
  const none = { trusted: null, forwardedForHeader: 'x-forwarded-for' };
  assert.equal(decideClient({ remoteAddress: '10.0.0.3' }, forged, none).address, '10.0.0.3');
  assert.equal(decideClient(undefined, forged, none).address, '');
});

test('a believed PROXY address is the hop, for the socket and the TLS socket over it', () => {
  const tcp = { remoteAddress: '10.0.0.7' };
  const tls = { remoteAddress: '10.0.0.7', _parent: tcp };
  rememberProxiedAddress(tcp, '203.0.113.77');
  assert.equal(connectionAddress(tcp), '203.0.113.77');
  assert.equal(connectionAddress(tls), '203.0.113.77');
  // The PROXY client is untrusted: its own X-Forwarded-For is not believed.
  const origin = decideClient(tls, ['X-Forwarded-For', '1.1.1.1'], settings);
  assert.deepEqual(origin, { address: '203.0.113.77', hop: '203.0.113.77', hopTrusted: false });
  // A trusted PROXY client (an HTTP proxy before the balancer): its chain is read.
  const inner = { remoteAddress: '10.0.0.8' };
  rememberProxiedAddress(inner, '10.5.5.5');
  assert.equal(
    decideClient(inner, ['X-Forwarded-For', '198.51.100.3'], settings).address,
    '198.51.100.3',
  );
});

test('fuzz: random chains never throw and give an address from the chain or the hop', () => {
  const alphabet = '0123456789abcdef.:[], %\t';
  for (let i = 0; i < 20_000; i++) {
    const bytes = randomBytes(1 + (i % 80));
    let chain = '';
    for (const byte of bytes) chain += alphabet.charAt(byte % alphabet.length);
    const out = clientFromChain('10.0.0.1', chain, trusted);
    assert.ok(out === '10.0.0.1' || (isIP(out) !== 0 && chain.length > 0), `${chain} -> ${out}`);
  }
});
