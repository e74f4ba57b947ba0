import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExternalAuthPolicy } from '../../ir/index.ts';
import type { RequestFacts } from '../variables/index.ts';
import { AuthCache } from './external-auth-cache.ts';
import { externalAuthGate, verdictOf } from './external-auth-gate.ts';
import { authRequestHeaders } from './external-auth-headers.ts';
import type { GateRequest } from './gate.ts';
import { PolicyState } from './policy-state.ts';

const POLICY: ExternalAuthPolicy = {
  origin: [{ text: 'http://auth.sso:4180' }],
  host: [{ text: 'auth.sso' }],
  path: [{ text: '/oauth2/auth' }],
  signin: [
    { text: 'https://sso/start?rd=' },
    { variable: 'pass_access_scheme' },
    { text: '://' },
    { variable: 'http_host' },
    { variable: 'escaped_request_uri' },
  ],
  responseHeaders: ['X-Auth-Request-User', 'X-Auth-Request-Groups'],
  requestRedirect: [{ variable: 'request_uri' }],
  proxySetHeaders: [{ name: 'X-Team', value: [{ text: 'shop' }] }],
  alwaysSetCookie: false,
  exceptPaths: ['/.well-known/acme-challenge'],
};

const RAW = [
  'Host',
  'app.example.com',
  'Cookie',
  's=1',
  'Content-Length',
  '5',
  'Connection',
  'keep-alive, X-Hop',
  'X-Hop',
  'secret',
  'X-Forwarded-Proto',
  'https',
  'X-Real-IP',
  '6.6.6.6',
  'X-Team',
  'forged',
];

const FACTS: RequestFacts = {
  scheme: 'http',
  host: 'app.example.com',
  hostHeader: 'app.example.com',
  url: '/a b/../c?x=1',
  path: '/c',
  forwardPath: '/c?x=1',
  serverPort: '80',
  method: 'PUT',
  client: '10.0.0.7',
  rawHeaders: RAW,
};

function gateRequest(policy: ExternalAuthPolicy | undefined): GateRequest {
  return {
    route: null,
    policies: policy === undefined ? {} : { externalAuth: policy },
    table: {} as GateRequest['table'],
    method: 'PUT',
    target: {
      host: 'app.example.com',
      path: '/c',
      hostHeader: 'app.example.com',
      forwardPath: '/c?x=1',
    },
    rawHeaders: RAW,
    client: '10.0.0.7',
    tls: null,
    scheme: 'http',
    requestId: 'req-1',
    state: new PolicyState(),
  };
}

test('a route without external auth costs nothing: the gate returns undefined', () => {
  assert.equal(externalAuthGate(gateRequest(undefined)), undefined);
});

test('no-auth-locations: a route whose path starts with one is not checked', () => {
  const route = { path: '/.well-known/acme-challenge/token' } as GateRequest['route'];
  assert.equal(externalAuthGate({ ...gateRequest(POLICY), route }), undefined);
  const other = { path: '/.well-known/other' } as GateRequest['route'];
  const checked = externalAuthGate({
    ...gateRequest({ ...POLICY, origin: [{ text: 'http://127.0.0.1:1' }] }),
    route: other,
  });
  assert.ok(checked instanceof Promise);
  return checked.then((verdict) => {
    assert.deepEqual(verdict, { kind: 'refuse', code: 'PM_ERR_AUTH_UNAVAILABLE' });
  });
});

test('the auth request carries the client headers minus hop-by-hop, and nginx own ones', () => {
  const headers = authRequestHeaders(POLICY, gateRequest(POLICY), FACTS);
  const pairs: [string, string][] = [];
  for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i] ?? '', headers[i + 1] ?? '']);
  assert.deepEqual(pairs, [
    ['Cookie', 's=1'],
    ['host', 'auth.sso'],
    ['x-request-id', 'req-1'],
    ['x-original-url', 'http://app.example.com/a%20b/../c?x=1'],
    ['x-original-method', 'PUT'],
    ['x-sent-from', 'nginx-ingress-controller'],
    ['x-real-ip', '10.0.0.7'],
    ['x-forwarded-for', '10.0.0.7'],
    ['x-auth-request-redirect', '/a%20b/../c?x=1'],
    ['x-team', 'shop'],
  ]);
});

test('2xx passes with the response headers set (absent ones removed) and Set-Cookie on success', () => {
  const verdict = verdictOf(
    POLICY,
    {
      status: 202,
      headers: { 'x-auth-request-user': ['alice'], 'set-cookie': ['a=1', 'b=2'] },
    },
    FACTS,
  );
  assert.deepEqual(verdict, {
    kind: 'pass',
    grant: {
      upstreamHeaders: [
        ['x-auth-request-user', 'alice'],
        ['x-auth-request-groups', ''],
      ],
      successHeaders: [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    },
  });
  const always = verdictOf(
    { ...POLICY, alwaysSetCookie: true },
    { status: 200, headers: { 'set-cookie': ['a=1'] } },
    FACTS,
  );
  assert.deepEqual(always.kind === 'pass' && always.grant?.responseHeaders, [
    ['set-cookie', 'a=1'],
  ]);
});

test('401 redirects to auth-signin with rd, or is answered with WWW-Authenticate', () => {
  const answer = {
    status: 401,
    headers: { 'www-authenticate': ['Bearer'], 'set-cookie': ['c=1'] },
  };
  assert.deepEqual(verdictOf(POLICY, answer, FACTS), {
    kind: 'answer',
    status: 302,
    headers: [
      ['location', 'https://sso/start?rd=http://app.example.com%2Fa%20b%2F..%2Fc%3Fx%3D1'],
      ['set-cookie', 'c=1'],
    ],
  });
  const noSignin: ExternalAuthPolicy = { ...POLICY };
  delete (noSignin as { signin?: unknown }).signin;
  assert.deepEqual(verdictOf(noSignin, answer, FACTS), {
    kind: 'refuse',
    code: 'PM_ERR_AUTH_REQUIRED',
    headers: [['www-authenticate', 'Bearer']],
  });
});

test('403 is refused 403; any other status is a 500', () => {
  assert.deepEqual(verdictOf(POLICY, { status: 403, headers: {} }, FACTS), {
    kind: 'refuse',
    code: 'PM_ERR_AUTH_FORBIDDEN',
    headers: [],
  });
  for (const status of [100, 301, 302, 404, 500, 502]) {
    const verdict = verdictOf(POLICY, { status, headers: {} }, FACTS);
    assert.deepEqual(
      verdict,
      { kind: 'refuse', code: 'PM_ERR_AUTH_UNEXPECTED_STATUS' },
      String(status),
    );
  }
});

test('the auth cache keeps what a duration covers, not cookies or no-store, and is bounded', () => {
  const cache = new AuthCache(2);
  const durations = [{ statuses: [202] as number[], ttlMs: 1000 }];
  const answer = { status: 202, headers: { 'x-user': ['alice'], 'x-other': ['kept not'] } };
  cache.put('a', answer, durations, ['x-user'], 0);
  assert.deepEqual(cache.get('a', 999), { status: 202, headers: { 'x-user': ['alice'] } });
  assert.equal(cache.get('a', 1000), undefined);
  cache.put('b', { status: 401, headers: {} }, durations, [], 0);
  cache.put('c', { status: 202, headers: { 'set-cookie': ['x=1'] } }, durations, [], 0);
  cache.put('d', { status: 202, headers: { 'cache-control': ['private'] } }, durations, [], 0);
  const huge = { status: 202, headers: { 'x-user': ['u'.repeat(9000)] } };
  cache.put('h', huge, durations, ['x-user'], 0);
  assert.equal(cache.size, 0);
  for (const key of ['e', 'f', 'g']) cache.put(key, { status: 202, headers: {} }, durations, [], 0);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('e', 1), undefined);
  assert.notEqual(AuthCache.keyOf(['a', 'bc']), AuthCache.keyOf(['ab', 'c']));
});
