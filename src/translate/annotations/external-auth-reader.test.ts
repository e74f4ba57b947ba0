import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExternalAuthPolicy } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS } from '../options.ts';
import { readExternalAuth } from './external-auth-reader.ts';
import { emptyReaderContext, type ReaderContext } from './reader-context.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

function policyOf(annotations: Record<string, string>): ExternalAuthPolicy {
  const read = readExternalAuth(annotations);
  assert.deepEqual(read.problems, []);
  assert.equal(read.failClosed, undefined);
  const policy = read.policies.externalAuth;
  assert.ok(policy !== undefined);
  return policy;
}

test('auth-url: origin, Host and a path with variables; defaults as ingress-nginx', () => {
  const policy = policyOf({
    [n('auth-url')]: 'http://auth.sso.svc:4180/oauth2/auth?u=$request_uri',
  });
  assert.deepEqual(policy, {
    origin: [{ text: 'http://auth.sso.svc:4180' }],
    host: [{ text: 'auth.sso.svc' }],
    path: [{ text: '/oauth2/auth?u=' }, { variable: 'request_uri' }],
    responseHeaders: [],
    requestRedirect: [{ variable: 'request_uri' }],
    proxySetHeaders: [],
    alwaysSetCookie: false,
    exceptPaths: ['/.well-known/acme-challenge'],
  });
  assert.deepEqual(policyOf({ [n('auth-url')]: 'https://auth.example.com' }).path, [{ text: '/' }]);
});

test('auth-url may name $host in its host (through the proxy itself), no other variable', () => {
  const policy = policyOf({ [n('auth-url')]: 'https://$host:8443/oauth2/auth' });
  assert.deepEqual(policy.origin, [{ text: 'https://' }, { variable: 'host' }, { text: ':8443' }]);
  assert.deepEqual(policy.host, [{ variable: 'host' }]);
  for (const url of ['http://$http_host/x', 'http://$host.$arg_x/x', 'http://a$remote_addr/x']) {
    const read = readExternalAuth({ [n('auth-url')]: url });
    assert.deepEqual(read.failClosed, [n('auth-url')], url);
  }
});

test('auth-signin gets rd= (or the configured parameter) unless it has it', () => {
  const tail = [
    { variable: 'pass_access_scheme' },
    { text: '://' },
    { variable: 'http_host' },
    { variable: 'escaped_request_uri' },
  ];
  const plain = policyOf({
    [n('auth-url')]: 'http://auth/x',
    [n('auth-signin')]: 'https://$host/oauth2/start',
  });
  assert.deepEqual(plain.signin, [
    { text: 'https://' },
    { variable: 'host' },
    { text: '/oauth2/start?rd=' },
    ...tail,
  ]);
  const withQuery = policyOf({
    [n('auth-url')]: 'http://auth/x',
    [n('auth-signin')]: 'https://sso/start?a=1',
    [n('auth-signin-redirect-param')]: 'next',
  });
  assert.deepEqual(withQuery.signin, [{ text: 'https://sso/start?a=1&next=' }, ...tail]);
  const given = policyOf({
    [n('auth-url')]: 'http://auth/x',
    [n('auth-signin')]: 'https://sso/start?rd=$escaped_request_uri',
  });
  assert.deepEqual(given.signin, [
    { text: 'https://sso/start?rd=' },
    { variable: 'escaped_request_uri' },
  ]);
});

test('the other settings are read into the policy', () => {
  const policy = policyOf({
    [n('auth-url')]: 'http://auth/x',
    [n('auth-method')]: 'POST',
    [n('auth-response-headers')]: 'X-Auth-Request-User, X-Auth-Request-Email,',
    [n('auth-request-redirect')]: 'https://app/after',
    [n('auth-always-set-cookie')]: 'true',
    [n('auth-cache-key')]: '$cookie_session',
    [n('auth-cache-duration')]: '200 202 1m 30s, 401 10s, any 1s',
  });
  assert.equal(policy.method, 'POST');
  assert.deepEqual(policy.responseHeaders, ['X-Auth-Request-User', 'X-Auth-Request-Email']);
  assert.deepEqual(policy.requestRedirect, [{ text: 'https://app/after' }]);
  assert.equal(policy.alwaysSetCookie, true);
  assert.deepEqual(policy.cache, {
    key: [{ variable: 'cookie_session' }],
    durations: [
      { statuses: [200, 202], ttlMs: 90_000 },
      { statuses: [401], ttlMs: 10_000 },
      { statuses: 'any', ttlMs: 1000 },
    ],
  });
  const defaults = policyOf({ [n('auth-url')]: 'http://auth/x', [n('auth-cache-key')]: 'k' });
  assert.deepEqual(defaults.cache?.durations, [{ statuses: [200, 202, 401], ttlMs: 300_000 }]);
});

test('every bad value fails the Ingress closed, naming the annotation', () => {
  const bad: [string, string][] = [
    ['auth-url', 'ftp://auth/x'],
    ['auth-url', 'http://$http_x_target/x'],
    ['auth-url', 'http://auth/x y'],
    ['auth-url', 'http://auth/$nope'],
    ['auth-url', ''],
    ['auth-method', 'CONNECT'],
    ['auth-method', 'get'],
    ['auth-signin', 'javascript:alert(1)'],
    ['auth-signin-redirect-param', 'r d'],
    ['auth-response-headers', 'X-Ok, X:Bad'],
    ['auth-request-redirect', '$request_uri'],
    ['auth-cache-key', '"$cookie_a"'],
    ['auth-cache-duration', '5m 200'],
    ['auth-cache-duration', '200 202'],
    ['auth-always-set-cookie', 'yes'],
  ];
  for (const [name, value] of bad) {
    const annotations = { [n('auth-url')]: 'http://auth/x', [n(name)]: value };
    const read = readExternalAuth(annotations);
    assert.deepEqual(read.policies, {}, `${name}: ${value}`);
    assert.deepEqual(read.failClosed, [n(name)], `${name}: ${value}`);
    assert.equal(read.problems[0]?.code, 'AccessControlNotEnforced');
    assert.match(read.problems.map((p) => p.message).join('\n'), new RegExp(name));
  }
});

function contextWith(
  configMaps: Record<string, Record<string, unknown>>,
  globalAuth?: ExternalAuthPolicy,
): ReaderContext {
  const base = emptyReaderContext('shop', {
    ...DEFAULT_TRANSLATE_OPTIONS,
    ...(globalAuth === undefined ? {} : { globalAuth }),
  });
  return {
    ...base,
    configMap: (ns, name) => {
      const data = configMaps[`${ns}/${name}`];
      return data === undefined
        ? undefined
        : ({ namespace: ns, name, object: { data } } as unknown as StoredObject);
    },
  };
}

test('auth-proxy-set-headers: a ConfigMap of the namespace, values may name variables', () => {
  const context = contextWith({ 'shop/auth-headers': { 'X-Team': 'shop', 'X-Path': '$uri' } });
  const read = readExternalAuth(
    { [n('auth-url')]: 'http://auth/x', [n('auth-proxy-set-headers')]: 'auth-headers' },
    context,
  );
  assert.deepEqual(read.policies.externalAuth?.proxySetHeaders, [
    { name: 'X-Path', value: [{ variable: 'uri' }] },
    { name: 'X-Team', value: [{ text: 'shop' }] },
  ]);
  for (const [value, why] of [
    ['other/auth-headers', /only a ConfigMap in the Ingress's namespace/],
    ['missing', /not found/],
    ['bad-headers', /not a header name/],
  ] as const) {
    const failed = readExternalAuth(
      { [n('auth-url')]: 'http://auth/x', [n('auth-proxy-set-headers')]: value },
      contextWith({ 'shop/bad-headers': { 'X Bad': 'v' }, 'other/auth-headers': { A: 'b' } }),
    );
    assert.deepEqual(failed.failClosed, [n('auth-proxy-set-headers')]);
    assert.match(failed.problems[0]?.message ?? '', why);
  }
});

test('--global-auth-url applies without auth-url, unless enable-global-auth is false', () => {
  const global = policyOf({ [n('auth-url')]: 'http://global-auth/check' });
  const context = contextWith({}, global);
  assert.equal(readExternalAuth({}, context).policies.externalAuth, global);
  assert.deepEqual(readExternalAuth({ [n('enable-global-auth')]: 'false' }, context).policies, {});
  const typo = readExternalAuth({ [n('enable-global-auth')]: 'nope' }, context);
  assert.equal(typo.policies.externalAuth, global);
  assert.equal(typo.problems[0]?.code, 'IgnoredAnnotation');
  const own = readExternalAuth({ [n('auth-url')]: 'http://own/check' }, context);
  assert.deepEqual(own.policies.externalAuth?.origin, [{ text: 'http://own' }]);
  assert.deepEqual(readExternalAuth({}).policies, {});
});
