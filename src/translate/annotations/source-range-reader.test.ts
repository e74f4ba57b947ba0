import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRANSLATE_OPTIONS } from '../options.ts';
import { emptyReaderContext } from './reader-context.ts';
import { readSourceRanges } from './source-range-reader.ts';

const ALLOW = 'nginx.ingress.kubernetes.io/allowlist-source-range';
const DENY = 'nginx.ingress.kubernetes.io/denylist-source-range';
const withDefaults = emptyReaderContext('default', {
  ...DEFAULT_TRANSLATE_OPTIONS,
  allowlistSourceRange: ['192.168.0.0/16'],
  denylistSourceRange: ['192.168.6.0/24'],
});

test('lists are read canonical, sorted and deduplicated', () => {
  const read = readSourceRanges({
    [ALLOW]: '10.1.0.0/16, 2001:DB8::1/32,10.1.2.3/16',
    [DENY]: '10.1.2.3',
  });
  assert.deepEqual(read, {
    policies: { sourceRanges: { allow: ['10.1.0.0/16', '2001:db8::/32'], deny: ['10.1.2.3/32'] } },
    problems: [],
  });
});

test('no annotation and no default: no policy', () => {
  assert.deepEqual(readSourceRanges({}), { policies: {}, problems: [] });
});

test('the flag defaults apply where an Ingress sets none; each annotation replaces its own', () => {
  assert.deepEqual(readSourceRanges({}, withDefaults).policies, {
    sourceRanges: { allow: ['192.168.0.0/16'], deny: ['192.168.6.0/24'] },
  });
  assert.deepEqual(readSourceRanges({ [ALLOW]: '10.0.0.0/8' }, withDefaults).policies, {
    sourceRanges: { allow: ['10.0.0.0/8'], deny: ['192.168.6.0/24'] },
  });
});

test('a bad entry or an empty value fails closed, naming the annotation and the entry', () => {
  for (const value of ['10.0.0.0/8,10.0.0.256', '', '10.0.0.0/8,', 'example.com']) {
    const read = readSourceRanges({ [ALLOW]: value }, withDefaults);
    assert.deepEqual(read.failClosed, [ALLOW], value);
    assert.equal(read.problems[0]?.code, 'AccessControlNotEnforced');
    assert.match(String(read.problems.at(0)?.message), /allowlist-source-range/);
  }
  const deny = readSourceRanges({ [DENY]: '::1/200' });
  assert.deepEqual(deny.failClosed, [DENY]);
  assert.match(deny.problems[0]?.message ?? '', /prefix length/);
});
