import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseRequestPath, type RequestPath } from './request-path.ts';

function pathOf(target: string): string {
  const parsed = parseRequestPath(target);
  assert.equal(typeof parsed, 'object', `${target} was refused: ${JSON.stringify(parsed)}`);
  return (parsed as RequestPath).path;
}

test('plain paths are returned unchanged, the query apart and untouched', () => {
  for (const path of [
    '/',
    '/foo',
    '/foo/',
    '/aaa/bbb/ccc',
    '/a.b/c..d/.e',
    "/a;b=c/!$&'()*+,=:@",
  ]) {
    assert.deepEqual(parseRequestPath(path), { path, query: '' });
  }
  assert.deepEqual(parseRequestPath('/a/../b?x=%2F&y=/../'), {
    path: '/b',
    query: '?x=%2F&y=/../',
  });
  assert.deepEqual(parseRequestPath('/a?'), { path: '/a', query: '?' });
});

test('dot segments are resolved, slashes merged, unreserved escapes decoded, others upper-cased', () => {
  const cases: [string, string][] = [
    ['/public/../admin', '/admin'],
    ['/public/./admin', '/public/admin'],
    ['/a/b/../../..', '/'],
    ['/..', '/'],
    ['/foo/.', '/foo/'],
    ['/foo/..', '/'],
    ['//admin', '/admin'],
    ['/a//b///c', '/a/b/c'],
    ['/%61dmin', '/admin'],
    ['/%2e%2e/admin', '/admin'],
    ['/public/%2E%2E/admin', '/admin'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/caf\u00c3\u00a9', '/caf%C3%A9'],
    ['/a%20b', '/a%20b'],
    ['/%25', '/%25'],
  ];
  for (const [input, expected] of cases) assert.equal(pathOf(input), expected, input);
});

test('targets a backend could resolve to another path are refused, each with its reason', () => {
  const cases: [string, string][] = [
    ['/admin/secret.txt#/../../public/x', 'fragment'],
    ['/public#', 'fragment'],
    ['/public?a#b', 'fragment'],
    ['/public/..\\admin', 'backslash'],
    ['/public/..%2fadmin/secret.txt', 'encoded-slash'],
    ['/public/..%2Fadmin', 'encoded-slash'],
    ['/public/..%5cadmin', 'encoded-slash'],
    ['/100%', 'bad-escape'],
    ['/%zz', 'bad-escape'],
    ['/%4', 'bad-escape'],
    ['/a%00.txt', 'nul'],
    ['/%C0%AE%C0%AE/admin', 'not-utf8'],
    ['/%E0%80%AF', 'not-utf8'],
    ['/%C3', 'not-utf8'],
    ['/%ED%A0%80', 'not-utf8'],
    ['/\u00ff', 'not-utf8'],
    ['/a\tb', 'control'],
    ['/a\u007fb', 'control'],
    ['/\u0100', 'control'],
    ['/public/..;/admin', 'dot-segment-parameter'],
    ['/public/.;x/admin', 'dot-segment-parameter'],
  ];
  for (const [input, reason] of cases) assert.equal(parseRequestPath(input), reason, input);
});

test('the result is absolute, has no dot or empty segments, is plain ASCII, and is a fixed point', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.constantFrom('a', 'b', '.', '..', '', '%2e', '%2E%2e', '%61', '%c3%a9', 'x;y', '%7E'),
        { maxLength: 8 },
      ),
      (segments) => {
        const normalized = pathOf(`/${segments.join('/')}`);
        assert.ok(normalized.startsWith('/'));
        assert.ok(!/\/\.\.?(\/|$)/.test(normalized), normalized);
        assert.ok(!normalized.slice(0, -1).includes('//'), normalized);
        assert.match(normalized, /^[\x21-\x7e]+$/);
        assert.equal(pathOf(normalized), normalized);
      },
    ),
    { numRuns: 2000 },
  );
});
