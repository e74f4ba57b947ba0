import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNextUpstream } from './next-upstream-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('conditions, tries and the time budget become a retry policy', () => {
  assert.deepEqual(
    readNextUpstream({
      [n('proxy-next-upstream')]: ' error  timeout http_503 non_idempotent http_503 ',
      [n('proxy-next-upstream-tries')]: '2',
      [n('proxy-next-upstream-timeout')]: '+15',
    }),
    {
      policies: {
        retry: {
          on: ['error', 'timeout', 'http_503', 'non_idempotent'],
          tries: 2,
          timeoutMs: 15_000,
        },
      },
      problems: [],
    },
  );
});

test('off: never retried; 0 tries and 0 timeout are kept (one per endpoint, no bound)', () => {
  assert.deepEqual(
    readNextUpstream({
      [n('proxy-next-upstream')]: 'off',
      [n('proxy-next-upstream-tries')]: '0',
      [n('proxy-next-upstream-timeout')]: '0',
    }).policies,
    { retry: { on: [], tries: 0, timeoutMs: 0 } },
  );
});

test('absent or empty annotations read nothing', () => {
  assert.deepEqual(readNextUpstream({}), { policies: {}, problems: [] });
  assert.deepEqual(readNextUpstream({ [n('proxy-next-upstream')]: '  ' }), {
    policies: {},
    problems: [],
  });
});

test('each annotation is read on its own: a bad one is ignored with a problem', () => {
  const read = readNextUpstream({
    [n('proxy-next-upstream')]: 'error http_501 Timeout',
    [n('proxy-next-upstream-tries')]: '5',
  });
  assert.deepEqual(read.policies, { retry: { tries: 5 } });
  assert.equal(read.problems.length, 1);
  const [problem] = read.problems;
  assert.ok(problem);
  assert.equal(problem.code, 'IgnoredAnnotation');
  assert.equal(problem.field, `metadata.annotations[${n('proxy-next-upstream')}]`);
  assert.match(problem.message, /unknown condition "http_501", "Timeout"/);
});

test('values pointsman does not accept', () => {
  const cases: readonly (readonly [string, string, RegExp])[] = [
    ['proxy-next-upstream', 'off error', /cannot be combined/],
    ['proxy-next-upstream', 'error,timeout', /unknown condition/],
    ['proxy-next-upstream-tries', '-1', /negative/],
    ['proxy-next-upstream-tries', '101', /at most 100/],
    ['proxy-next-upstream-tries', 'three', /whole number/],
    ['proxy-next-upstream-timeout', '10s', /whole number of seconds/],
    ['proxy-next-upstream-timeout', '99999999', /at most/],
  ];
  for (const [name, value, why] of cases) {
    const read = readNextUpstream({ [n(name)]: value });
    assert.deepEqual(read.policies, {}, `${name}: ${value}`);
    assert.equal(read.problems.length, 1, `${name}: ${value}`);
    assert.match(read.problems[0]?.message ?? '', why, `${name}: ${value}`);
  }
});
