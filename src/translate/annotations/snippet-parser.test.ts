import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SNIPPET_DEPTH, parseSnippet } from './snippet-parser.ts';

test('directives, arguments, quotes, escapes, comments and blocks', () => {
  const parsed = parseSnippet(`
    # a comment; deny all;
    more_set_headers "X-A: b;c" 'd\\'e';
    location = /robots.txt { add_header Content-Type text/plain; return 200 "a\\nb"; }
    rewrite ^/old/(.*)$ \${scheme}://x/$1 permanent;
    access_by_lua_block { if x == "}" then return end -- }
    }
  `);
  assert.deepEqual(parsed, {
    ok: true,
    directives: [
      { name: 'more_set_headers', args: ['X-A: b;c', "d'e"], line: 3 },
      {
        name: 'location',
        args: ['=', '/robots.txt'],
        line: 4,
        block: [
          { name: 'add_header', args: ['Content-Type', 'text/plain'], line: 4 },
          { name: 'return', args: ['200', 'a\nb'], line: 4 },
        ],
      },
      { name: 'rewrite', args: ['^/old/(.*)$', '${scheme}://x/$1', 'permanent'], line: 5 },
      { name: 'access_by_lua_block', args: [], block: [], line: 6 },
    ],
  });
});

test('refused: unbalanced braces, open quotes, missing ;, too deep, too long', () => {
  const deep = `${'a {'.repeat(MAX_SNIPPET_DEPTH + 1)}${'}'.repeat(MAX_SNIPPET_DEPTH + 1)}`;
  for (const text of ['a {', 'a; }', 'add_header "X', 'add_header X y', deep, 'x;'.repeat(40000)]) {
    assert.equal(parseSnippet(text).ok, false, text.slice(0, 40));
  }
});

test('any text: never throws, bounded time, and never accepts unbalanced braces', () => {
  fc.assert(
    fc.property(
      fc.string({
        maxLength: 600,
        unit: fc.constantFrom(...'ab_ ;{}"\'\\#\n$()x'.split('')),
      }),
      (text) => {
        const started = performance.now();
        const parsed = parseSnippet(text);
        // A generous bound: a parser that backtracks or loops takes far longer.
        assert.ok(performance.now() - started < 2_000);
        if (!parsed.ok) return;
        // Outside quotes, comments and Lua blocks, an accepted snippet's braces balance. As in
        // nginx, `#` and quotes are special only where a token starts.
        // One left-to-right pass, so that a `#` inside quotes is not a comment, nor a quote
        // inside a comment a string.
        const bare = text.replace(/(^|[\s;{}])(#[^\n]*|"(\\.|[^"\\])*"|'(\\.|[^'\\])*')/g, '$1');
        if (/_lua_block/.test(text) || bare.includes('\\') || bare.includes('${')) return;
        let depth = 0;
        for (const char of bare) {
          depth += char === '{' ? 1 : char === '}' ? -1 : 0;
          assert.ok(depth >= 0, text);
        }
        assert.equal(depth, 0, text);
      },
    ),
    { numRuns: 5000 },
  );
});

test('a 64 KiB snippet of nesting and quotes is parsed quickly', () => {
  const text = 'a "b" { c "d\\"" ; }\n'.repeat(3000);
  const started = performance.now();
  assert.equal(parseSnippet(text.slice(0, 64 * 1024)).ok, false);
  assert.ok(performance.now() - started < 5_000);
});
