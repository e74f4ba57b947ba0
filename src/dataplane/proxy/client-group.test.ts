import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientGroup } from './client-group.ts';

test('IPv4 clients are counted per address', () => {
  assert.equal(clientGroup('10.0.0.1'), '10.0.0.1');
  assert.notEqual(clientGroup('10.0.0.1'), clientGroup('10.0.0.2'));
});

test('IPv4-mapped IPv6 clients are counted as their IPv4 address', () => {
  assert.equal(clientGroup('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(clientGroup('::ffff:10.0.0.1'), clientGroup('10.0.0.1'));
});

test('IPv6 clients are counted per /64, however the address is written', () => {
  const group = '2001:db8:1:2::/64';
  assert.equal(clientGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), group);
  assert.equal(clientGroup('2001:0DB8:0001:0002::1'), group);
  assert.equal(clientGroup('2001:db8:1:2::'), group);
  assert.equal(clientGroup('2001:db8:1:2:3::4%eth0'), group);
  assert.notEqual(clientGroup('2001:db8:1:3::1'), group);
  assert.equal(clientGroup('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientGroup('2001:db8::1:2:3:4'), '2001:db8:0:0::/64');
  assert.equal(clientGroup('1:2:3:4:5:6:7:8'), '1:2:3:4::/64');
  assert.equal(clientGroup('::1'), '0:0:0:0::/64');
  assert.equal(clientGroup('64:ff9b::10.0.0.1'), '64:ff9b:0:0::/64');
  assert.equal(clientGroup('fe80::1'), 'fe80:0:0:0::/64');
});

test('an unknown address is one empty key', () => {
  assert.equal(clientGroup(undefined), '');
});
