import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { test } from 'node:test';
import {
  ipv6Text,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  readProxyHeader,
  type ProxyHeaderRead,
} from './proxy-header.ts';

const v1 = (line: string): Buffer => Buffer.from(`${line}\r\n`, 'latin1');

/** A v2 header: command, family/transport byte, address block (and TLVs). */
function v2(command: number, familyTransport: number, block: Buffer): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = familyTransport;
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
}

function inet(source: number[], destination: number[], sport: number, dport: number): Buffer {
  const block = Buffer.alloc(12);
  Buffer.from(source).copy(block, 0);
  Buffer.from(destination).copy(block, 4);
  block.writeUInt16BE(sport, 8);
  block.writeUInt16BE(dport, 10);
  return block;
}

function header(read: ProxyHeaderRead): Extract<ProxyHeaderRead, { kind: 'header' }> {
  if (read.kind !== 'header') assert.fail(JSON.stringify(read));
  return read;
}

test('v1 TCP4 and TCP6 give the source address and the header length', () => {
  const four = v1('PROXY TCP4 203.0.113.7 192.0.2.1 56324 443');
  const read = header(readProxyHeader(Buffer.concat([four, Buffer.from('GET / HTTP/1.1\r\n')])));
  assert.deepEqual(read.source, { address: '203.0.113.7', port: 56324 });
  assert.equal(read.length, four.length);
  const six = header(readProxyHeader(v1('PROXY TCP6 2001:DB8::7 2001:db8::1 1 65535')));
  assert.deepEqual(six.source, { address: '2001:db8::7', port: 1 });
  const mapped = header(readProxyHeader(v1('PROXY TCP6 ::ffff:198.51.100.2 ::1 80 80')));
  assert.equal(mapped.source?.address, '198.51.100.2');
});

test('v1 UNKNOWN is a header without an address', () => {
  assert.equal(header(readProxyHeader(v1('PROXY UNKNOWN'))).source, null);
  assert.equal(header(readProxyHeader(v1('PROXY UNKNOWN ffff::1 ::1 1 2'))).source, null);
});

test('v1: partial headers are incomplete, malformed ones invalid', () => {
  for (const partial of ['P', 'PROXY', 'PROXY TCP4 1.2.3.4', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r']) {
    assert.equal(readProxyHeader(Buffer.from(partial)).kind, 'incomplete', partial);
  }
  for (const bad of [
    'PROXY TCP4 1.2.3.4 5.6.7.8 1',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3',
    'PROXY TCP4 1.2.3.4  5.6.7.8 1 2',
    'PROXY TCP4 ::1 5.6.7.8 1 2',
    'PROXY TCP6 1.2.3.4 ::1 1 2',
    'PROXY TCP4 1.2.3.256 5.6.7.8 1 2',
    'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2',
    'PROXY TCP4 1.2.3.4 5.6.7.8 01 2',
    'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2',
    'PROXY TCP6 fe80::1%eth0 ::1 1 2',
    'PROXY UDP4 1.2.3.4 5.6.7.8 1 2',
    'PROXY tcp4 1.2.3.4 5.6.7.8 1 2',
  ]) {
    assert.equal(readProxyHeader(v1(bad)).kind, 'invalid', bad);
  }
  assert.equal(readProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4\n')).kind, 'invalid');
  assert.equal(readProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4\rX')).kind, 'invalid');
  assert.equal(readProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'invalid');
  assert.equal(readProxyHeader(Buffer.from([0x16, 0x03, 0x01])).kind, 'invalid');
  const long = Buffer.from(`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES)}\r\n`);
  assert.equal(readProxyHeader(long).kind, 'invalid');
  const noEnd = Buffer.from(`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES)}`);
  assert.equal(readProxyHeader(noEnd).kind, 'invalid');
});

test('v2 INET, INET6, LOCAL, UNSPEC and UNIX', () => {
  const four = v2(1, 0x11, inet([203, 0, 113, 9], [10, 0, 0, 1], 40000, 443));
  const read = header(readProxyHeader(Buffer.concat([four, Buffer.from([0x16, 0x03])])));
  assert.deepEqual(read.source, { address: '203.0.113.9', port: 40000 });
  assert.equal(read.length, 28);
  const block6 = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(block6, 0);
  block6.writeUInt16BE(8443, 32);
  const six = header(readProxyHeader(v2(1, 0x21, block6)));
  assert.deepEqual(six.source, { address: '2001:db8::7', port: 8443 });
  // TLVs after the addresses (AWS NLB sends its VPC endpoint id so) are skipped.
  const tlv = Buffer.from([0xea, 0x00, 0x03, 0x01, 0x41, 0x42]);
  const withTlv = Buffer.concat([inet([198, 51, 100, 1], [10, 0, 0, 1], 1, 2), tlv]);
  const read2 = header(readProxyHeader(v2(1, 0x11, withTlv)));
  assert.equal(read2.length, 16 + 18);
  assert.equal(read2.source?.address, '198.51.100.1');
  assert.equal(header(readProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).source, null);
  assert.equal(
    header(readProxyHeader(v2(0, 0x11, inet([1, 2, 3, 4], [1, 2, 3, 4], 1, 1)))).source,
    null,
  );
  assert.equal(header(readProxyHeader(v2(1, 0x00, Buffer.alloc(0)))).source, null);
  assert.equal(header(readProxyHeader(v2(1, 0x31, Buffer.alloc(216)))).source, null);
});

test('v2: partial headers are incomplete, malformed ones invalid', () => {
  const whole = v2(1, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
  for (let cut = 1; cut < whole.length; cut++) {
    assert.equal(readProxyHeader(whole.subarray(0, cut)).kind, 'incomplete', String(cut));
  }
  const bad = (mutate: (bytes: Buffer) => void): ProxyHeaderRead['kind'] => {
    const copy = Buffer.from(whole);
    mutate(copy);
    return readProxyHeader(copy).kind;
  };
  assert.equal(
    bad((b) => (b[12] = 0x11)),
    'invalid',
  ); // version 1 in a v2 header
  assert.equal(
    bad((b) => (b[12] = 0x22)),
    'invalid',
  ); // unknown command
  assert.equal(
    bad((b) => (b[13] = 0x41)),
    'invalid',
  ); // unknown family
  assert.equal(
    bad((b) => (b[13] = 0x13)),
    'invalid',
  ); // unknown transport
  assert.equal(
    bad((b) => (b[13] = 0x12)),
    'invalid',
  ); // datagram
  assert.equal(
    bad((b) => b.writeUInt16BE(11, 14)),
    'invalid',
  ); // block shorter than INET's
  assert.equal(
    bad((b) => (b[3] = 0x00)),
    'invalid',
  ); // signature broken
  const huge = Buffer.from(whole);
  huge.writeUInt16BE(PROXY_V2_MAX_BYTES, 14);
  assert.equal(readProxyHeader(huge).kind, 'invalid');
});

test('ipv6Text writes RFC 5952 text', () => {
  const text = (hex: string): string => ipv6Text(Buffer.from(hex, 'hex'));
  assert.equal(text('00000000000000000000000000000001'), '::1');
  assert.equal(text('00000000000000000000000000000000'), '::');
  assert.equal(text('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(text('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(text('20010db8000100020003000400050006'), '2001:db8:1:2:3:4:5:6');
  assert.equal(text('00000000000000000000ffffc0000201'), '192.0.2.1');
});

// Fuzzing: the parser takes bytes from anyone who connects. A deterministic generator keeps
// failures reproducible; the seed is in the message.
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // The low bits of a linear congruential generator repeat quickly: use the high ones.
    return state >>> 8;
  };
}

function checkRead(bytes: Buffer, read: ProxyHeaderRead, label: string): void {
  if (read.kind === 'incomplete') {
    // Incomplete only while a header could still fit in the bounds.
    assert.ok(bytes.length < PROXY_V2_MAX_BYTES, label);
    return;
  }
  if (read.kind === 'invalid') return;
  assert.ok(read.length > 0 && read.length <= bytes.length, label);
  if (read.version === 1) assert.ok(read.length <= PROXY_V1_MAX_BYTES, label);
  if (read.source !== null) {
    assert.notEqual(isIP(read.source.address), 0, `${label}: ${read.source.address}`);
    assert.ok(read.source.port >= 0 && read.source.port <= 65535, label);
  }
}

test('fuzz: random bytes never throw and are never taken for a header', () => {
  for (let i = 0; i < 20_000; i++) {
    const bytes = randomBytes(i % 300);
    const read = readProxyHeader(bytes);
    checkRead(bytes, read, `random ${bytes.toString('hex')}`);
    // Without either opening, nothing random is a header.
    if (bytes.length >= 6 && read.kind === 'header') assert.fail(bytes.toString('hex'));
  }
});

test('fuzz: mutated valid headers never throw, and what they accept is sound', () => {
  const seeds = [
    v1('PROXY TCP4 203.0.113.7 192.0.2.1 56324 443'),
    v1('PROXY TCP6 2001:db8::7 2001:db8::1 1 65535'),
    v1('PROXY UNKNOWN'),
    v2(1, 0x11, inet([203, 0, 113, 9], [10, 0, 0, 1], 40000, 443)),
    v2(1, 0x21, Buffer.alloc(36, 7)),
    v2(0, 0x00, Buffer.alloc(0)),
  ];
  const next = generator(0x5eed);
  let accepted = 0;
  for (let i = 0; i < 100_000; i++) {
    const seed = seeds[i % seeds.length] as Buffer;
    const bytes = Buffer.from(seed);
    const flips = 1 + (next() % 4);
    for (let f = 0; f < flips; f++) {
      const at = next() % bytes.length;
      const how = next() % 3;
      if (how === 0) bytes[at] = next() & 0xff;
      else if (how === 1) bytes[at] = (bytes[at] as number) ^ (1 << (next() % 8));
      else bytes[at] = [0x20, 0x0d, 0x0a, 0x3a, 0x2e, 0x30][next() % 6] as number;
    }
    const cut = next() % 4 === 0 ? bytes.subarray(0, next() % bytes.length) : bytes;
    const read = readProxyHeader(cut);
    checkRead(cut, read, `mutated ${cut.toString('hex')}`);
    if (read.kind === 'header') accepted++;
  }
  // Some mutations stay valid (a changed port digit); most must not.
  assert.ok(accepted > 0 && accepted < 100_000 / 2, String(accepted));
});

test('fuzz: a v1 line of random printable fields is either a sound header or refused', () => {
  const next = generator(42);
  const alphabet = 'PROXYTCP46UNKWN0123456789abcdef:.% \r\n';
  for (let i = 0; i < 30_000; i++) {
    let line = 'PROXY ';
    const length = next() % 60;
    for (let c = 0; c < length; c++) line += alphabet.charAt(next() % alphabet.length);
    const bytes = Buffer.from(line, 'latin1');
    checkRead(bytes, readProxyHeader(bytes), JSON.stringify(line));
  }
});
