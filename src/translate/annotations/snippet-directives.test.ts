import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { snippetDirectives } from './snippet-directives.ts';

test('directive names: first word of each statement, quotes and comments skipped', () => {
  const snippet = `
    # deny all;  (a comment)
    more_set_headers "X-A: b;c" 'd';
    location = /robots.txt { add_header Content-Type text/plain; return 200 "User-agent: *"; }
    proxy_set_header X-Real "a\\"b";
  `;
  assert.deepEqual(snippetDirectives(snippet), {
    names: ['more_set_headers', 'location', 'add_header', 'return', 'proxy_set_header'],
    access: [],
    unreadable: null,
  });
});

test('access directives, by name and by the code a return answers with', () => {
  const cases: [string, string[]][] = [
    ['allow 10.0.0.0/8; deny all;', ['allow', 'deny']],
    ['auth_request /auth;', ['auth_request']],
    ['access_by_lua_block { ngx.exit(403) }', ['access_by_lua_block']],
    ['if ($http_x != "y") { return 403; }', ['return']],
    ['return 301 https://example.com$request_uri;', []],
    ['limit_req zone=one burst=5;', ['limit_req']],
    ['SATISFY any;', ['satisfy']],
  ];
  for (const [snippet, access] of cases) {
    assert.deepEqual(snippetDirectives(snippet).access, access, snippet);
  }
});

test('`#` and quotes inside a word are part of it, as nginx reads them: `deny` is still seen', () => {
  // Both were missed by an earlier scanner that treated them as special anywhere.
  assert.deepEqual(snippetDirectives('set $a b#c; deny all;').access, ['deny']);
  assert.deepEqual(snippetDirectives('add_header X a"; deny all; #"').access, ['deny']);
});

test('a snippet past the bound, or with unbalanced braces, cannot be read and says why', () => {
  const long = `add_header A b;\n${'#'.repeat(70 * 1024)}`;
  assert.match(snippetDirectives(long).unreadable ?? '', /longer than 65536/);
  assert.match(snippetDirectives('if ($x) { return 403;').unreadable ?? '', /not closed/);
  assert.match(snippetDirectives('deny all; }').unreadable ?? '', /closes no/);
});

test('any text: never throws, and every access name is also a listed name', () => {
  fc.assert(
    fc.property(
      fc.string({
        maxLength: 400,
        unit: fc.constantFrom(...'ab_ ;{}"\'\\#\n403allowdeny'.split('')),
      }),
      (text) => {
        const result = snippetDirectives(text);
        for (const name of result.access) assert.ok(result.names.includes(name));
        for (const name of result.names) assert.ok(name.length > 0 && name.length <= text.length);
      },
    ),
    { numRuns: 3000 },
  );
});
