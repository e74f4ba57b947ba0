import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessLimitOptionsFrom } from './access-limit-flags.ts';
import { UsageError } from './io.ts';

test('the flags become canonical translate options; absent ones set nothing', () => {
  assert.deepEqual(accessLimitOptionsFrom({}), {});
  assert.deepEqual(
    accessLimitOptionsFrom({
      'allowlist-source-range': ['10.1.0.0/8, ::1', '192.168.0.1'],
      'denylist-source-range': ['10.9.9.9'],
      'limit-req-status-code': '429',
      'limit-conn-status-code': '503',
    }),
    {
      allowlistSourceRange: ['10.0.0.0/8', '192.168.0.1/32', '::1/128'],
      denylistSourceRange: ['10.9.9.9/32'],
      limitReqStatusCode: 429,
      limitConnStatusCode: 503,
    },
  );
});

test('a bad list or status is a usage error', () => {
  assert.throws(
    () => accessLimitOptionsFrom({ 'allowlist-source-range': ['10.0.0.0/8,x'] }),
    UsageError,
  );
  assert.throws(() => accessLimitOptionsFrom({ 'limit-req-status-code': '200' }), UsageError);
  assert.throws(() => accessLimitOptionsFrom({ 'limit-conn-status-code': '600' }), UsageError);
});
