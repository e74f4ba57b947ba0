import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoredOnCanary, readCanary, readCanaryMisuse } from './canary-reader.ts';

const P = 'nginx.ingress.kubernetes.io/';
const read = (annotations: Record<string, string>): ReturnType<typeof readCanary> =>
  readCanary(
    Object.fromEntries(Object.entries(annotations).map(([key, value]) => [P + key, value])),
  );

test('the rules as balancer.lua takes them', () => {
  const got = read({
    canary: 'true',
    'canary-by-header': ' X_Canary ',
    'canary-by-cookie': 'Beta',
    'canary-weight': '+25',
    'canary-weight-total': '1000',
  });
  assert.deepEqual(got.rules, {
    header: { name: 'x-canary', match: 'always-never' },
    cookie: 'beta',
    weight: 25,
    weightTotal: 1000,
  });
  assert.deepEqual(got.problems, []);
  assert.equal(got.serviceUpstream, false);
});

test('header value wins over the pattern; a pattern RE2 refuses is unusable', () => {
  const both = read({
    'canary-by-header': 'x',
    'canary-by-header-value': 'v2',
    'canary-by-header-pattern': 'v.*',
  });
  assert.deepEqual(both.rules.header, { name: 'x', match: 'value', value: 'v2' });
  assert.equal(both.problems.length, 1);
  const pattern = read({ 'canary-by-header': 'x', 'canary-by-header-pattern': '^v[0-9]+$' });
  assert.deepEqual(pattern.rules.header, { name: 'x', match: 'pattern', pattern: '^v[0-9]+$' });
  const refused = read({ 'canary-by-header': 'x', 'canary-by-header-pattern': '(a)\\1' });
  assert.deepEqual(refused.rules.header, { name: 'x', match: 'unusable-pattern' });
  assert.match(refused.problems[0]?.message ?? '', /not a pattern RE2 accepts/);
});

test('bad values are ignored with a problem: weight 0, total 100, no rule', () => {
  const got = read({
    'canary-by-header': 'x canary',
    'canary-by-header-pattern': 'a b',
    'canary-by-cookie': 'a;b',
    'canary-weight': '1e3',
    'canary-weight-total': '99999999999999999999',
  });
  // "x canary" passes ingress-nginx's check (spaces removed) and never matches a header.
  assert.deepEqual(got.rules.header, { name: 'x canary', match: 'always-never' });
  assert.equal(got.rules.cookie, undefined);
  assert.equal(got.rules.weight, 0);
  assert.equal(got.rules.weightTotal, 100);
  assert.deepEqual(
    got.problems.map((p) => p.field),
    [
      `metadata.annotations[${P}canary-by-header-pattern]`,
      `metadata.annotations[${P}canary-by-cookie]`,
      `metadata.annotations[${P}canary-weight]`,
      `metadata.annotations[${P}canary-weight-total]`,
    ],
  );
  const lone = read({ 'canary-by-header-value': 'v2', 'canary-weight-total': '10' });
  assert.equal(lone.rules.header, undefined);
  assert.equal(lone.rules.weightTotal, 100);
  assert.equal(lone.problems.length, 2);
});

test("the canary's upstream annotations: balancing and service-upstream", () => {
  const got = read({ 'upstream-hash-by': '$remote_addr', 'service-upstream': 'true' });
  assert.deepEqual(got.rules.balance, { method: 'hash', key: [{ variable: 'remote_addr' }] });
  assert.equal(got.serviceUpstream, true);
  assert.equal(got.rules.affinityCanaryBehavior, undefined);
  const legacy = read({ 'affinity-canary-behavior': 'legacy' });
  assert.equal(legacy.rules.affinityCanaryBehavior, 'legacy');
});

test('every other known annotation of a canary is reported as ignored', () => {
  const problems = ignoredOnCanary({
    [`${P}canary`]: 'true',
    [`${P}canary-weight`]: '5',
    [`${P}load-balance`]: 'ewma',
    [`${P}affinity-canary-behavior`]: 'legacy',
    [`${P}auth-type`]: 'basic',
    [`${P}ssl-redirect`]: 'false',
    'pointsman.dev/backend-protocol': 'HTTPS',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
    [`${P}not-an-annotation`]: 'x',
  });
  assert.deepEqual(
    problems.map((p) => [p.code, p.field]),
    [
      ['IgnoredOnCanary', `metadata.annotations[${P}auth-type]`],
      ['IgnoredOnCanary', `metadata.annotations[${P}ssl-redirect]`],
      ['IgnoredOnCanary', 'metadata.annotations[pointsman.dev/backend-protocol]'],
    ],
  );
});

test('canary rules without canary: "true" are ignored, with a problem each', () => {
  const misuse = (annotations: Record<string, string>) =>
    readCanaryMisuse(
      Object.fromEntries(Object.entries(annotations).map(([key, value]) => [P + key, value])),
    ).problems.map((p) => p.message);
  assert.deepEqual(misuse({ canary: 'true', 'canary-weight': '5' }), []);
  assert.equal(misuse({ canary: 'false', 'canary-weight': '5' }).length, 1);
  assert.equal(misuse({ 'canary-by-header': 'x', 'canary-by-cookie': 'y' }).length, 2);
  assert.match(misuse({ canary: 'yes' })[0] ?? '', /not a boolean/);
  assert.deepEqual(misuse({}), []);
});
