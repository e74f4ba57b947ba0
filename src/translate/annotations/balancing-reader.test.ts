import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBalancing } from './balancing-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('load-balance: ewma is a policy, round_robin the default (no policy)', () => {
  assert.deepEqual(readBalancing({ [n('load-balance')]: ' ewma ' }), {
    policies: { balance: { method: 'ewma' } },
    problems: [],
  });
  assert.deepEqual(readBalancing({ [n('load-balance')]: 'round_robin' }), {
    policies: {},
    problems: [],
  });
});

test('load-balance that pointsman does not know is ignored with a problem', () => {
  const read = readBalancing({ [n('load-balance')]: 'least_conn' });
  assert.deepEqual(read.policies, {});
  assert.equal(read.problems[0]?.code, 'IgnoredAnnotation');
  assert.match(read.problems[0].message, /not round_robin or ewma/);
});

test('upstream-hash-by: a key of nginx variables and text', () => {
  const read = readBalancing({ [n('upstream-hash-by')]: '$http_x_user-${cookie_session}' });
  assert.deepEqual(read, {
    policies: {
      balance: {
        method: 'hash',
        key: [{ variable: 'http_x_user' }, { text: '-' }, { variable: 'cookie_session' }],
      },
    },
    problems: [],
  });
  for (const key of ['$request_uri', '$remote_addr', '$binary_remote_addr', '$arg_id']) {
    assert.equal(readBalancing({ [n('upstream-hash-by')]: key }).problems.length, 0, key);
  }
});

test('upstream-hash-by takes precedence over load-balance, and says so', () => {
  const read = readBalancing({
    [n('upstream-hash-by')]: '$request_uri',
    [n('load-balance')]: 'ewma',
  });
  assert.deepEqual(read.policies, {
    balance: { method: 'hash', key: [{ variable: 'request_uri' }] },
  });
  assert.match(read.problems[0]?.message ?? '', /load-balance is ignored.*takes precedence/);
});

test('upstream-hash-by that is not a key is ignored; round robin stays', () => {
  for (const value of ['$request_uri;', 'a b', '$nope', '$1', '${host', 'x'.repeat(1025)]) {
    const read = readBalancing({ [n('upstream-hash-by')]: value });
    assert.deepEqual(read.policies, {}, value);
    assert.equal(read.problems.length, 1, value);
    assert.equal(read.problems[0]?.field, `metadata.annotations[${n('upstream-hash-by')}]`);
  }
});

test('upstream-hash-by-subset: size 3 by default, or the given size', () => {
  const key = [{ variable: 'remote_addr' }];
  const read = (extra: Record<string, string>): ReturnType<typeof readBalancing> =>
    readBalancing({ [n('upstream-hash-by')]: '$remote_addr', ...extra });
  assert.deepEqual(read({ [n('upstream-hash-by-subset')]: 'true' }).policies, {
    balance: { method: 'hash', key, subsetSize: 3 },
  });
  assert.deepEqual(
    read({ [n('upstream-hash-by-subset')]: 'True', [n('upstream-hash-by-subset-size')]: '5' })
      .policies,
    { balance: { method: 'hash', key, subsetSize: 5 } },
  );
  const bad = read({
    [n('upstream-hash-by-subset')]: 'true',
    [n('upstream-hash-by-subset-size')]: '-2',
  });
  assert.deepEqual(bad.policies, { balance: { method: 'hash', key, subsetSize: 3 } });
  assert.equal(bad.problems.length, 1);
});

test('the subset annotations alone, or a size without the subset, have no effect', () => {
  const alone = readBalancing({ [n('upstream-hash-by-subset')]: 'true' });
  assert.deepEqual(alone.policies, {});
  assert.match(alone.problems[0]?.message ?? '', /no effect without/);
  const sizeOnly = readBalancing({
    [n('upstream-hash-by')]: '$host',
    [n('upstream-hash-by-subset-size')]: '4',
  });
  assert.deepEqual(sizeOnly.policies, {
    balance: { method: 'hash', key: [{ variable: 'host' }] },
  });
  assert.equal(sizeOnly.problems.length, 1);
});
