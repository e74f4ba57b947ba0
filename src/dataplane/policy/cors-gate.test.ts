import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorsPolicy } from '../../ir/index.ts';
import { corsGate, originMatcher } from './cors-gate.ts';
import type { GateRequest, GateVerdict } from './gate.ts';

const POLICY: CorsPolicy = {
  allowOrigins: ['https://app.test', 'https://*.example.com'],
  allowMethods: 'GET, POST',
  allowHeaders: 'X-Custom',
  exposeHeaders: 'X-Total',
  allowCredentials: true,
  maxAge: 600,
};

const SET_BY_CORS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];

function request(method: string, origin: string | undefined, cors: CorsPolicy = POLICY) {
  const raw = origin === undefined ? [] : ['Origin', origin];
  const gate = { method, rawHeaders: raw, policies: { cors } } as unknown as GateRequest;
  return corsGate(gate) as GateVerdict | undefined;
}

test('no policy: nothing to check', () => {
  const none = { method: 'GET', rawHeaders: ['Origin', 'https://app.test'], policies: {} };
  assert.equal(corsGate(none as unknown as GateRequest), undefined);
});

test('a matching origin: echoed, with every header, Vary: Origin', () => {
  assert.deepEqual(request('GET', 'https://app.test'), {
    kind: 'pass',
    grant: {
      responseHeaders: [
        ['access-control-allow-origin', 'https://app.test'],
        ['access-control-allow-credentials', 'true'],
        ['access-control-allow-methods', 'GET, POST'],
        ['access-control-allow-headers', 'X-Custom'],
        ['access-control-expose-headers', 'X-Total'],
        ['access-control-max-age', '600'],
        ['vary', 'Origin'],
      ],
      // The backend's own values are replaced, not doubled; its Vary is kept beside ours.
      replacesResponseHeaders: SET_BY_CORS,
    },
  });
});

test('a preflight from a matching origin is answered 204', () => {
  const verdict = request('OPTIONS', 'https://API.example.com');
  if (verdict?.kind !== 'answer') assert.fail(JSON.stringify(verdict));
  assert.equal(verdict.status, 204);
  assert.deepEqual(verdict.headers[0], ['access-control-allow-origin', 'https://API.example.com']);
  assert.deepEqual(verdict.headers.at(-1), ['content-type', 'text/plain charset=UTF-8']);
});

test('no match: no CORS header, only Vary; OPTIONS goes on to the backend', () => {
  const varyOnly = { kind: 'pass', grant: { responseHeaders: [['vary', 'Origin']] } };
  for (const origin of [
    undefined,
    'https://evil.test',
    'http://app.test',
    'https://app.test.evil.test',
    'https://evil.test/https://app.test',
    'https://a.b.example.com',
    'https://.example.com',
    'https://example.com',
  ]) {
    assert.deepEqual(request('OPTIONS', origin), varyOnly, String(origin));
    assert.deepEqual(request('GET', origin), varyOnly, String(origin));
  }
});

test('`*`: every request gets `*`, every OPTIONS is answered', () => {
  const any: CorsPolicy = {
    ...POLICY,
    allowOrigins: ['*'],
    exposeHeaders: '',
    allowCredentials: false,
  };
  const get = request('GET', undefined, any);
  assert.deepEqual(get, {
    kind: 'pass',
    grant: {
      responseHeaders: [
        ['access-control-allow-origin', '*'],
        ['access-control-allow-methods', 'GET, POST'],
        ['access-control-allow-headers', 'X-Custom'],
        ['access-control-max-age', '600'],
      ],
      replacesResponseHeaders: SET_BY_CORS,
    },
  });
  assert.equal(request('OPTIONS', 'https://anything.test', any)?.kind, 'answer');
});

test('origin matchers: exact and one-label wildcard, case-insensitive, whole origin', () => {
  const exact = originMatcher('https://App.test:8443');
  assert.ok(exact('https://app.test:8443'));
  assert.ok(!exact('https://app.test'));
  const wild = originMatcher('https://*.example.com:8443');
  assert.ok(wild('https://a-1.example.com:8443'));
  assert.ok(!wild('https://a.b.example.com:8443'));
  assert.ok(!wild('https://a.example.com'));
  assert.ok(!wild('https://a_b.example.com:8443'));
  assert.ok(originMatcher('null')('null'));
});
