import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSatisfy, SATISFY_ANNOTATION } from './satisfy-reader.ts';

test('satisfy: any sets satisfyAny; all and no annotation leave every rule required', () => {
  assert.deepEqual(readSatisfy({ [SATISFY_ANNOTATION]: ' any ' }).policies, { satisfyAny: true });
  assert.deepEqual(readSatisfy({ [SATISFY_ANNOTATION]: 'all' }), { policies: {}, problems: [] });
  assert.deepEqual(readSatisfy({}), { policies: {}, problems: [] });
});

test('satisfy: another value (case included, as ingress-nginx) is ignored with a problem', () => {
  for (const value of ['ANY', 'either', '']) {
    const read = readSatisfy({ [SATISFY_ANNOTATION]: value });
    assert.deepEqual(read.policies, {}, value);
    const problem = read.problems.at(0);
    assert.ok(problem !== undefined, value);
    assert.equal(problem.code, 'IgnoredAnnotation', value);
    assert.match(problem.message, /every access rule/);
  }
});
