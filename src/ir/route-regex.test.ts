import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { comparePathPrecedence } from './precedence.ts';
import { locationMatches, patternProblem, rewriteCaptures } from './route-regex.ts';

test('locations: case-insensitive, anchored at the start only, as nginx ~* "^PATH"', () => {
  assert.equal(locationMatches('/foo/.*', '/FOO/bar'), true);
  assert.equal(locationMatches('/foo', '/foobar'), true);
  assert.equal(locationMatches('/foo', '/x/foo'), false);
  // nginx concatenates: `^/a|/b` is (^/a)|(/b), so /b matches anywhere.
  assert.equal(locationMatches('/a|/b', '/x/b'), true);
});

test('RE2 refuses backreferences, lookaround and overlong patterns', () => {
  assert.match(patternProblem('(a)\\1') ?? '', /invalid escape/);
  assert.match(patternProblem('(?=a)') ?? '', /unsupported Perl syntax/);
  assert.match(patternProblem('a'.repeat(1025)) ?? '', /longer than 1024/);
  assert.equal(patternProblem('/api/(v[0-9]+)/(.*)'), null);
});

test('patterns whose counted repetition would make a huge program are refused unread', () => {
  assert.match(patternProblem(`/${'\\pL{1000}'.repeat(20)}`) ?? '', /expands to about 1000001/);
  assert.match(patternProblem('/(\\pL{100}){10}') ?? '', /expands to about 50001/);
  assert.equal(locationMatches(`/${'\\pL{1000}'.repeat(20)}`, '/x'), false);
  for (const fine of ['/api(/|$)(.*)', '/\\p{Greek}+', '/v[0-9]+/.*', '/(a{10}){10}']) {
    assert.equal(patternProblem(fine), null, fine);
  }
});

test('rewrite captures: $0 and the groups, unmatched groups empty', () => {
  assert.deepEqual(rewriteCaptures('/api(/|$)(.*)', '/api'), ['/api', '', '']);
  assert.deepEqual(rewriteCaptures('/api/(x)?(.*)', '/api/y'), ['/api/y', '', 'y']);
  assert.equal(rewriteCaptures('/api', '/other'), null);
});

test('regex precedence: longest first, then path text descending (ingress-nginx order)', () => {
  const paths = ['/foo/bar', '/foo/bar/(.+)', '/foo/bar/', '/foo/baz', '/'];
  const sorted = paths
    .map((path) => ({ path, match: 'Regex' as const }))
    .sort(comparePathPrecedence)
    .map((route) => route.path);
  assert.deepEqual(sorted, ['/foo/bar/(.+)', '/foo/bar/', '/foo/baz', '/foo/bar', '/']);
});

test('a pathological pattern takes linear time (no backtracking blow-up)', () => {
  const start = performance.now();
  assert.equal(locationMatches('(a+)+$', `${'a'.repeat(5_000)}!`), false);
  // Bounded generously: a backtracking engine takes far longer than seconds here.
  assert.ok(performance.now() - start < 5_000);
});

test('any pattern: patternProblem never throws, and a usable pattern never throws on a path', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30, unit: fc.constantFrom(...'/a(.)*+?[]{}|\\^$1-9'.split('')) }),
      fc.string({ maxLength: 30, unit: fc.constantFrom(...'/a.b1'.split('')) }),
      (pattern, path) => {
        if (patternProblem(pattern) !== null) return;
        locationMatches(pattern, path);
        rewriteCaptures(pattern, path);
      },
    ),
    { numRuns: 2000 },
  );
});
