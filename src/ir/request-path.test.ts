import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeRequestPath } from './request-path.ts';

test('plain paths are returned unchanged', () => {
  for (const path of ['/', '/foo', '/foo/', '/aaa/bbb/ccc', '/a.b/c..d/.e', '/%2F']) {
    assert.equal(normalizeRequestPath(path), path);
  }
});

test('dot segments are resolved, slashes merged, unreserved escapes decoded', () => {
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
    ['/a%2fb', '/a%2Fb'],
    ['/caf%C3%A9', '/caf%C3%A9'],
    ['/100%', '/100%'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeRequestPath(input), expected, input);
});

test('the result is absolute, has no dot segments or empty segments, and is a fixed point', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('a', 'b', '.', '..', '', '%2e', '%2E%2e', '%61', '%2f'), {
        maxLength: 8,
      }),
      (segments) => {
        const normalized = normalizeRequestPath(`/${segments.join('/')}`);
        assert.ok(normalized.startsWith('/'));
        assert.ok(!/\/\.\.?(\/|$)/.test(normalized), normalized);
        assert.ok(!normalized.slice(0, -1).includes('//'), normalized);
        assert.equal(normalizeRequestPath(normalized), normalized);
      },
    ),
    { numRuns: 2000 },
  );
});
