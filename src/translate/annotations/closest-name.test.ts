import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName } from './closest-name.ts';

const KNOWN = ['rewrite-target', 'ssl-redirect', 'force-ssl-redirect', 'auth-url', 'auth-type'];

test('misspellings find their annotation; strangers find none', () => {
  assert.equal(closestName('rewrite_target', KNOWN), 'rewrite-target');
  assert.equal(closestName('Rewrite-Targt', KNOWN), 'rewrite-target');
  assert.equal(closestName('ssl-redirects', KNOWN), 'ssl-redirect');
  assert.equal(closestName('auth-typ', KNOWN), 'auth-type');
  assert.equal(closestName('completely-different', KNOWN), null);
  assert.equal(closestName('x'.repeat(64), KNOWN), null);
});
