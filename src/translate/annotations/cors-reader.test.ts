import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CORS_DEFAULTS, readCors } from './cors-reader.ts';

const P = 'nginx.ingress.kubernetes.io/';
const read = (annotations: Record<string, string>) =>
  readCors(Object.fromEntries(Object.entries(annotations).map(([k, v]) => [P + k, v])));

test('nothing without enable-cors; cors-* alone are reported as having no effect', () => {
  assert.deepEqual(read({}), { policies: {}, problems: [] });
  const alone = read({ 'cors-allow-origin': 'https://a.test', 'enable-cors': 'false' });
  assert.deepEqual(alone.policies, {});
  assert.equal(alone.problems.length, 1);
  assert.match(alone.problems[0]?.message ?? '', /no effect without .*enable-cors/);
  const bad = read({ 'enable-cors': 'yes' });
  assert.deepEqual(bad.policies, {});
  assert.match(bad.problems[0]?.message ?? '', /enable-cors is ignored: "yes"/);
});

test("enable-cors alone: ingress-nginx's defaults", () => {
  for (const on of ['true', 'True', 'TRUE', '1', 't']) {
    assert.deepEqual(read({ 'enable-cors': on }), {
      policies: { cors: CORS_DEFAULTS },
      problems: [],
    });
  }
  assert.deepEqual(CORS_DEFAULTS, {
    allowOrigins: ['*'],
    allowMethods: 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
    allowHeaders:
      'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
    exposeHeaders: '',
    allowCredentials: true,
    maxAge: 1728000,
  });
});

test('every value read as written', () => {
  const { policies, problems } = read({
    'enable-cors': 'true',
    'cors-allow-origin': 'https://app.test, https://*.example.com:8443,null',
    'cors-allow-methods': 'GET, POST',
    'cors-allow-headers': 'X-Custom, Content-Type',
    'cors-expose-headers': 'X-Total, *',
    'cors-allow-credentials': 'false',
    'cors-max-age': '600',
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(policies.cors, {
    allowOrigins: ['https://app.test', 'https://*.example.com:8443', 'null'],
    allowMethods: 'GET, POST',
    allowHeaders: 'X-Custom, Content-Type',
    exposeHeaders: 'X-Total, *',
    allowCredentials: false,
    maxAge: 600,
  });
  // `*` anywhere in the list means any origin.
  assert.deepEqual(
    read({ 'enable-cors': 'true', 'cors-allow-origin': 'https://a.test, *' }).policies.cors
      ?.allowOrigins,
    ['*'],
  );
});

test('invalid values fall back to the defaults, each with a problem', () => {
  const { policies, problems } = read({
    'enable-cors': 'true',
    'cors-allow-origin': 'https://a.test; evil',
    'cors-allow-methods': 'GET;POST',
    'cors-allow-headers': 'X-A\tX-B',
    'cors-expose-headers': 'X-A,\nX-B',
    'cors-allow-credentials': 'maybe',
    'cors-max-age': '10m',
  });
  assert.deepEqual(policies.cors, CORS_DEFAULTS);
  assert.equal(problems.length, 6);
  for (const problem of problems) assert.equal(problem.code, 'IgnoredAnnotation');
  assert.match(problems[0]?.message ?? '', /cors-allow-origin is ignored.*"\*" applies/);
});

test('origins that do not parse are skipped; none left matches nothing', () => {
  const some = read({ 'enable-cors': 'true', 'cors-allow-origin': 'example.com,https://ok.test' });
  assert.deepEqual(some.policies.cors?.allowOrigins, ['https://ok.test']);
  assert.equal(some.problems.length, 1);
  const none = read({ 'enable-cors': 'true', 'cors-allow-origin': 'example.com' });
  assert.deepEqual(none.policies.cors?.allowOrigins, []);
});

test('crafted values are refused in linear time (RE2)', () => {
  const started = performance.now();
  const value = `${'a'.repeat(50_000)}!`;
  const { policies } = read({
    'enable-cors': 'true',
    'cors-allow-origin': value,
    'cors-allow-methods': value,
    'cors-expose-headers': value,
  });
  assert.deepEqual(policies.cors, CORS_DEFAULTS);
  assert.ok(performance.now() - started < 2_000);
});
