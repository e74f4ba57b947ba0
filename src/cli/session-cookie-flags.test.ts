import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionCookieKeyFrom } from './session-cookie-flags.ts';

test('the key is the file, or 32 random bytes without one', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  assert.deepEqual(
    sessionCookieKeyFrom({ 'session-cookie-key-file': '/k' }, () => secret),
    secret,
  );
  const one = sessionCookieKeyFrom({});
  assert.equal(one.length, 32);
  assert.notDeepEqual(one, sessionCookieKeyFrom({}));
});

test('a missing file or a key of the wrong size is a usage error', () => {
  const missing = (): Buffer => {
    throw new Error('ENOENT: no such file');
  };
  assert.throws(
    () => sessionCookieKeyFrom({ 'session-cookie-key-file': '/nope' }, missing),
    /--session-cookie-key-file \/nope: ENOENT/,
  );
  assert.throws(
    () => sessionCookieKeyFrom({ 'session-cookie-key-file': '/k' }, () => Buffer.from('short')),
    /16 to 4096 bytes, not 5/,
  );
});
