import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalAuthFrom, globalAuthOptionsFrom } from './global-auth-flags.ts';
import { UsageError } from './io.ts';

test('--global-auth-url and its companions become the global policy', () => {
  assert.equal(globalAuthFrom({}), undefined);
  const policy = globalAuthFrom({
    'global-auth-url': 'https://sso.example.com/check',
    'global-auth-signin': 'https://sso.example.com/start',
    'global-auth-response-headers': 'X-User',
    'global-auth-always-set-cookie': true,
    'global-auth-cache-key': '$http_authorization',
  });
  assert.deepEqual(policy?.origin, [{ text: 'https://sso.example.com' }]);
  assert.deepEqual(policy.responseHeaders, ['X-User']);
  assert.equal(policy.alwaysSetCookie, true);
  assert.ok(policy.signin !== undefined && policy.cache !== undefined);
});

test('--no-auth-locations: the default, a list, none', () => {
  const url = { 'global-auth-url': 'http://a/b' };
  assert.deepEqual(globalAuthFrom(url)?.exceptPaths, ['/.well-known/acme-challenge']);
  const options = globalAuthOptionsFrom({ ...url, 'no-auth-locations': '/healthz, /metrics' });
  assert.deepEqual(options.noAuthLocations, ['/healthz', '/metrics']);
  assert.deepEqual(options.globalAuth?.exceptPaths, ['/healthz', '/metrics']);
  assert.deepEqual(globalAuthOptionsFrom({ 'no-auth-locations': '' }), { noAuthLocations: [] });
  assert.throws(() => globalAuthOptionsFrom({ 'no-auth-locations': 'healthz' }), /start/);
});

test('a bad value, or a companion without the URL, is a usage error', () => {
  assert.throws(
    () => globalAuthFrom({ 'global-auth-url': 'http://$http_x/check' }),
    (error: unknown) => error instanceof UsageError && /--global-auth-url/.test(error.message),
  );
  assert.throws(
    () => globalAuthFrom({ 'global-auth-url': 'http://a/b', 'global-auth-method': 'FETCH' }),
    /--global-auth-method/,
  );
  assert.throws(
    () => globalAuthFrom({ 'global-auth-signin': 'http://a/start' }),
    /--global-auth-signin needs --global-auth-url/,
  );
});
