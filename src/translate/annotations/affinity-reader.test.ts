import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canaryBehaviorOf, readAffinity } from './affinity-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('affinity: cookie alone takes ingress-nginx defaults', () => {
  assert.deepEqual(readAffinity({ [n('affinity')]: 'cookie' }), {
    policies: {
      affinity: { mode: 'balanced', canaryBehavior: 'sticky', cookieName: 'INGRESSCOOKIE' },
    },
    problems: [],
  });
});

test('every setting is read', () => {
  const read = readAffinity({
    [n('affinity')]: ' cookie ',
    [n('affinity-mode')]: 'persistent',
    [n('affinity-canary-behavior')]: 'legacy',
    [n('session-cookie-name')]: 'route',
    [n('session-cookie-path')]: '/app',
    [n('session-cookie-domain')]: '.example.com',
    [n('session-cookie-max-age')]: '172800',
    [n('session-cookie-expires')]: '-1',
    [n('session-cookie-secure')]: 'true',
    [n('session-cookie-samesite')]: 'none',
    [n('session-cookie-conditional-samesite-none')]: 'True',
    [n('session-cookie-change-on-failure')]: '1',
  });
  assert.deepEqual(read, {
    policies: {
      affinity: {
        mode: 'persistent',
        canaryBehavior: 'legacy',
        cookieName: 'route',
        path: '/app',
        domain: '.example.com',
        maxAgeSeconds: 172800,
        expiresSeconds: -1,
        secure: true,
        sameSite: 'None',
        conditionalSameSiteNone: true,
        changeOnFailure: true,
      },
    },
    problems: [],
  });
});

test('bad values are ignored with a problem naming annotation and value; defaults apply', () => {
  const read = readAffinity({
    [n('affinity')]: 'cookie',
    [n('affinity-mode')]: 'sticky',
    [n('affinity-canary-behavior')]: 'always',
    [n('session-cookie-name')]: 'a;b=c',
    [n('session-cookie-path')]: '/a; Domain=evil',
    [n('session-cookie-domain')]: 'x y',
    [n('session-cookie-max-age')]: '12abc',
    [n('session-cookie-expires')]: 'abc12',
    [n('session-cookie-secure')]: 'yes',
    [n('session-cookie-samesite')]: 'sometimes',
    [n('session-cookie-change-on-failure')]: 'maybe',
  });
  assert.deepEqual(read.policies, {
    affinity: { mode: 'balanced', canaryBehavior: 'sticky', cookieName: 'INGRESSCOOKIE' },
  });
  assert.equal(read.problems.length, 10);
  for (const problem of read.problems) assert.equal(problem.code, 'IgnoredAnnotation');
  assert.match(
    read.problems.map((p) => p.message).join('\n'),
    /session-cookie-path is ignored: "\/a; Domain=evil"/,
  );
  assert.equal(read.failClosed, undefined);
});

test('another affinity type, or settings without affinity, are reported and do nothing', () => {
  const read = readAffinity({ [n('affinity')]: 'ip', [n('session-cookie-name')]: 'x' });
  assert.deepEqual(read.policies, {});
  assert.equal(read.problems.length, 2);
  assert.match(read.problems[0]?.message ?? '', /only affinity type is cookie/);
  assert.match(read.problems[1]?.message ?? '', /no effect without/);
  assert.deepEqual(readAffinity({}), { policies: {}, problems: [] });
});

test('regex paths without session-cookie-path are warned about, as in ingress-nginx', () => {
  const read = readAffinity({ [n('affinity')]: 'cookie', [n('use-regex')]: 'true' });
  assert.equal(read.problems.length, 1);
  assert.match(read.problems[0]?.message ?? '', /should be set/);
  const withPath = readAffinity({
    [n('affinity')]: 'cookie',
    [n('use-regex')]: 'true',
    [n('session-cookie-path')]: '/',
  });
  assert.equal(withPath.problems.length, 0);
});

test('never throws on any text', () => {
  const alphabet = ['cookie', ' ', ';', '=', '\u0000', '\r\n', '/', '-1', '0', 'é', '"', 'true'];
  let seed = 11;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 2000; i++) {
    const value = Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join(
      '',
    );
    const names = [
      'affinity-mode',
      'session-cookie-name',
      'session-cookie-path',
      'session-cookie-max-age',
      'session-cookie-samesite',
    ];
    const read = readAffinity({
      [n('affinity')]: 'cookie',
      [n(names[i % names.length] as string)]: value,
    });
    assert.ok(read.policies.affinity !== undefined);
  }
});

test('canaryBehaviorOf: sticky unless the canary Ingress says legacy', () => {
  assert.equal(canaryBehaviorOf({}), 'sticky');
  assert.equal(canaryBehaviorOf({ [n('affinity-canary-behavior')]: ' legacy ' }), 'legacy');
  assert.equal(canaryBehaviorOf({ [n('affinity-canary-behavior')]: 'other' }), 'sticky');
});

test('affinity takes precedence over load-balance and upstream-hash-by: they are reported', () => {
  const read = readAffinity({
    [n('affinity')]: 'cookie',
    [n('load-balance')]: 'ewma',
    [n('upstream-hash-by')]: '$request_uri',
  });
  assert.equal(read.problems.length, 2);
  for (const problem of read.problems)
    assert.match(problem.message, /affinity: cookie takes precedence/);
});
