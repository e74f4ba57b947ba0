import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceRangeVerdict } from './source-range-gate.ts';

const kind = (verdict: ReturnType<typeof sourceRangeVerdict>): string =>
  verdict.kind === 'refuse' ? verdict.code : verdict.kind;

test('the allowlist lets in its networks only, IPv4-mapped clients as IPv4', () => {
  const ranges = { allow: ['10.0.0.0/8', '2001:db8::/32'] };
  assert.equal(kind(sourceRangeVerdict(ranges, '10.9.8.7')), 'pass');
  assert.equal(kind(sourceRangeVerdict(ranges, '::ffff:10.9.8.7')), 'pass');
  assert.equal(kind(sourceRangeVerdict(ranges, '2001:db8::5')), 'pass');
  assert.equal(kind(sourceRangeVerdict(ranges, '127.0.0.1')), 'PM_ERR_SOURCE_FORBIDDEN');
  assert.equal(kind(sourceRangeVerdict(ranges, '::1')), 'PM_ERR_SOURCE_FORBIDDEN');
});

test('the denylist is checked first, as nginx deny lines come before allow', () => {
  const ranges = { allow: ['10.0.0.0/8'], deny: ['10.0.0.5/32'] };
  assert.equal(kind(sourceRangeVerdict(ranges, '10.0.0.5')), 'PM_ERR_SOURCE_FORBIDDEN');
  assert.equal(kind(sourceRangeVerdict(ranges, '10.0.0.6')), 'pass');
  const denyOnly = { deny: ['::1/128'] };
  assert.equal(kind(sourceRangeVerdict(denyOnly, '127.0.0.1')), 'pass');
  assert.equal(kind(sourceRangeVerdict(denyOnly, '::1')), 'PM_ERR_SOURCE_FORBIDDEN');
});

test('a client address that does not parse is refused', () => {
  assert.equal(kind(sourceRangeVerdict({ deny: ['10.0.0.0/8'] }, '')), 'PM_ERR_SOURCE_FORBIDDEN');
  assert.equal(
    kind(sourceRangeVerdict({ allow: ['0.0.0.0/0'] }, 'unknown')),
    'PM_ERR_SOURCE_FORBIDDEN',
  );
});
