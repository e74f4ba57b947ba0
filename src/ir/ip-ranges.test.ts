import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpPrefix, parseCidrList, parseIpAddress, parseIpPrefix } from './ip-ranges.ts';

const canonical = (text: string): string => {
  const prefix = parseIpPrefix(text);
  assert.notEqual(typeof prefix, 'string', text);
  return formatIpPrefix(prefix as Exclude<typeof prefix, string>);
};

test('networks are canonical: host bits cleared, RFC 5952 IPv6, addresses as /32 and /128', () => {
  assert.equal(canonical('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(canonical('192.168.0.7'), '192.168.0.7/32');
  assert.equal(canonical('2001:DB8:0:0:0:0:0:1/32'), '2001:db8::/32');
  assert.equal(canonical('2001:db8::1'), '2001:db8::1/128');
  assert.equal(canonical('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1/128');
  assert.equal(canonical('::/0'), '::/0');
  assert.equal(canonical('0.0.0.0/0'), '0.0.0.0/0');
  assert.equal(canonical('::ffff:10.0.0.0/104'), '10.0.0.0/8');
  assert.equal(canonical('::ffff:1.2.3.4'), '1.2.3.4/32');
  assert.equal(canonical('::ffff:0:0/96'), '0.0.0.0/0');
  assert.equal(canonical('::ffff:0:0/80'), '::/80');
});

test('bad entries are refused with what is wrong', () => {
  for (const bad of [
    '',
    '10.0.0.0/33',
    '10.0.0.0/',
    '10.0.0/8',
    '01.2.3.4',
    'fe80::1%eth0',
    '::/129',
    'a',
    '1.2.3.4/ 8',
    '1.2.3.4/-1',
    '[::1]',
  ]) {
    assert.equal(typeof parseIpPrefix(bad), 'string', bad);
  }
});

test('a list is trimmed, sorted and deduplicated; one bad entry (or an empty one) spoils it', () => {
  assert.deepEqual(parseCidrList(' 10.0.0.1/8 , 10.0.0.0/8,::1'), {
    ok: true,
    cidrs: ['10.0.0.0/8', '::1/128'],
  });
  assert.equal(parseCidrList('10.0.0.0/8,').ok, false);
  assert.equal(parseCidrList('10.0.0.0/8,nope').ok, false);
  assert.equal(parseCidrList('').ok, false);
});

test('client addresses parse, IPv4-mapped IPv6 as IPv4', () => {
  assert.deepEqual(parseIpAddress('::ffff:127.0.0.1'), {
    family: 4,
    bytes: new Uint8Array([127, 0, 0, 1]),
  });
  assert.equal(parseIpAddress('::1')?.family, 6);
  assert.equal(parseIpAddress(''), undefined);
  assert.equal(parseIpAddress('1.2.3.4:80'), undefined);
  assert.equal(parseIpAddress('fe80::1%lo'), undefined);
});
