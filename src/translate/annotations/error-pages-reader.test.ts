import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpErrorCodes, readErrorPages } from './error-pages-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('custom-http-errors: statuses 400-599, sorted, without repeats; blanks allowed', () => {
  assert.deepEqual(parseHttpErrorCodes('503, 404,404,,500 '), [404, 500, 503]);
  assert.deepEqual(parseHttpErrorCodes(''), []);
  assert.match(parseHttpErrorCodes('200') as string, /"200" is not a status from 400 to 599/);
  assert.match(parseHttpErrorCodes('600') as string, /not a status/);
  assert.match(parseHttpErrorCodes('5xx') as string, /not a status/);
  assert.match(parseHttpErrorCodes('404;500') as string, /not a status/);
  assert.match(parseHttpErrorCodes('+404') as string, /not a status/);
  assert.match(parseHttpErrorCodes('404,'.repeat(300)) as string, /longer than 1024/);
});

test('nothing asked: no policy, no problem', () => {
  assert.deepEqual(readErrorPages({}), { policies: {}, problems: [] });
  assert.deepEqual(readErrorPages({ [n('disable-proxy-intercept-errors')]: 'false' }), {
    policies: {},
    problems: [],
  });
});

test('custom-http-errors alone: the codes, the backend left to the builder', () => {
  assert.deepEqual(readErrorPages({ [n('custom-http-errors')]: '503,404' }), {
    policies: { errorPages: { codes: [404, 503] } },
    problems: [],
  });
});

test('default-backend names the Service, which stands in', () => {
  const read = readErrorPages({
    [n('default-backend')]: ' errors ',
    [n('custom-http-errors')]: '502',
    [n('disable-proxy-intercept-errors')]: 'True',
  });
  assert.deepEqual(read, {
    policies: {
      errorPages: { service: 'errors', standIn: true, codes: [502], relayUpstream: true },
    },
    problems: [],
  });
});

test('bad values are ignored, each with a problem naming the annotation and value', () => {
  const read = readErrorPages({
    [n('custom-http-errors')]: '200,abc',
    [n('default-backend')]: 'other/errors',
    [n('disable-proxy-intercept-errors')]: 'maybe',
  });
  assert.deepEqual(read.policies, {});
  assert.deepEqual(
    read.problems.map((problem) => [problem.code, problem.field]),
    [
      ['IgnoredAnnotation', `metadata.annotations[${n('custom-http-errors')}]`],
      ['IgnoredAnnotation', `metadata.annotations[${n('default-backend')}]`],
      ['IgnoredAnnotation', `metadata.annotations[${n('disable-proxy-intercept-errors')}]`],
    ],
  );
  assert.match(read.problems[0]?.message ?? '', /"200,abc"/);
  assert.match(read.problems[1]?.message ?? '', /"other\/errors".*not a Service name/);
});

test('a Service name longer than 63 characters or starting with a digit is refused', () => {
  for (const name of ['a'.repeat(64), '9errors', 'Errors', 'errors-']) {
    const read = readErrorPages({ [n('default-backend')]: name });
    assert.deepEqual(read.policies, {}, name);
    assert.equal(read.problems.length, 1, name);
  }
});
