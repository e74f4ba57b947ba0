import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteMatch } from './matcher.ts';
import type { PathRoute, RewritePart } from './route-table.ts';
import { rewriteCaptures } from './route-regex.ts';
import { upstreamPath } from './upstream-path.ts';

function matched(pattern: string, rewrite: readonly RewritePart[], path: string): RouteMatch {
  const route: PathRoute = {
    path: pattern,
    match: 'Regex',
    declaredPathType: 'ImplementationSpecific',
    backend: 'b',
    source: { namespace: 'n', name: 'i', rule: 0, path: 0 },
    sslRedirect: false,
    policies: { rewrite },
  };
  return {
    kind: 'rule',
    host: null,
    route,
    backend: 'b',
    captures: rewriteCaptures(pattern, path) ?? [path],
  };
}

const ONE: readonly RewritePart[] = [{ text: '/' }, { group: 1 }];

test('the whole path becomes the target with its groups; the query is kept', () => {
  const cases: [string, readonly RewritePart[], string, string][] = [
    ['/api/(.*)', ONE, '/api/users?id=1', '/users?id=1'],
    ['/api/(.*)', ONE, '/API/Users', '/Users'],
    ['/something(/|$)(.*)', [{ text: '/' }, { group: 2 }], '/something/new', '/new'],
    ['/something(/|$)(.*)', [{ text: '/' }, { group: 2 }], '/something', '/'],
    [
      '/v1/(.*)/(.*)',
      [{ text: '/x/' }, { group: 2 }, { text: '/' }, { group: 1 }],
      '/v1/a/b',
      '/x/b/a',
    ],
    ['/static', [{ text: '/assets' }], '/static/app.js?v=2', '/assets?v=2'],
    ['/api/(.*)', [{ group: 1 }], '/api/x', '/x'],
    ['/api/(.*)', [{ text: '/' }, { group: 3 }], '/api/x', '/'],
  ];
  for (const [pattern, rewrite, target, expected] of cases) {
    const path = target.split('?')[0] ?? '';
    assert.equal(upstreamPath(matched(pattern, rewrite, path), { forwardPath: target }), expected);
  }
});

test('the rewritten path is normalised like a request path', () => {
  const match = matched(
    '/files/(.*)',
    [{ text: '/' }, { group: 1 }, { text: '/..' }],
    '/files/a/b',
  );
  assert.equal(upstreamPath(match, { forwardPath: '/files/a/b' }), '/a/');
});

test('a rewritten path the target parser refuses gives null (the proxy answers 400)', () => {
  const match = matched('/x(.*)', [{ text: '/' }, { group: 1 }], '/x..;foo');
  assert.equal(upstreamPath(match, { forwardPath: '/x..;foo' }), null);
});

test('without a rewrite, the forward path is the target as parsed', () => {
  const match: RouteMatch = { kind: 'none', host: null, route: null, backend: null };
  assert.equal(upstreamPath(match, { forwardPath: '/a?b' }), '/a?b');
});
