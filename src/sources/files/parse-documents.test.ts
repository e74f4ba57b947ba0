import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocuments } from './parse-documents.ts';

test('numbers documents from 0 and leaves out empty ones', () => {
  const parsed = parseDocuments('# header\n---\na: 1\n---\n# only a comment\n---\nb: 2\n');
  assert.deepEqual(
    parsed.map((doc) => [doc.index, doc.value, doc.error]),
    [
      [0, { a: 1 }, null],
      [2, { b: 2 }, null],
    ],
  );
});

test('a bare first document counts as document 0', () => {
  const parsed = parseDocuments('a: 1\n---\nb: 2\n');
  assert.deepEqual(
    parsed.map((doc) => [doc.index, doc.value]),
    [
      [0, { a: 1 }],
      [1, { b: 2 }],
    ],
  );
});

for (const [name, broken] of [
  ['an unclosed quote', 'b: "unterminated'],
  ['an unclosed single quote', "b: 'unterminated"],
  ['an unclosed flow sequence', 'b: [1, 2'],
  ['a bad indentation', 'b: 1\n c: 2'],
] as const) {
  test(`${name} in document 1 costs only document 1`, () => {
    const parsed = parseDocuments(`a: 0\n---\n${broken}\n---\nc: 2\n---\nd: 3\n`);
    assert.deepEqual(
      parsed.map((doc) => [doc.index, doc.value, doc.error === null]),
      [
        [0, { a: 0 }, true],
        [1, undefined, false],
        [2, { c: 2 }, true],
        [3, { d: 3 }, true],
      ],
    );
    assert.match(parsed[1]?.error ?? '', /\(line [3-9], column \d+\)/);
  });
}

test('reports the line of the error in the whole file', () => {
  const parsed = parseDocuments('a: 1\n---\nb: 2\n---\nc: 1\nc: 2\n');
  assert.equal(parsed[2]?.error, 'Map keys must be unique (line 6, column 1)');
});

test('reads YAML 1.2 core, even under a %YAML 1.1 directive', () => {
  const text =
    '%YAML 1.1\n---\nyes: yes\non: off\nmode: 0777\nport: 8080\nbig: 12345678901234567890\n';
  assert.deepEqual(parseDocuments(text)[0]?.value, {
    yes: 'yes',
    on: 'off',
    mode: 777,
    port: 8080,
    big: Number('12345678901234567890'),
  });
});

test('does not apply << merge keys', () => {
  const value = parseDocuments('base: &b {x: 1}\nmore:\n  <<: *b\n')[0]?.value;
  assert.deepEqual(value, { base: { x: 1 }, more: { '<<': { x: 1 } } });
});

test('reads JSON', () => {
  const parsed = parseDocuments('{\n\t"kind": "List",\n\t"items": [1, {"a": null}]\n}\n');
  assert.deepEqual(parsed[0]?.value, { kind: 'List', items: [1, { a: null }] });
});

test('keeps a __proto__ key as data, never as a prototype', () => {
  const value = parseDocuments('__proto__: {polluted: true}\n')[0]?.value as object;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.ok(Object.hasOwn(value, '__proto__'));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('refuses excessive alias expansion (billion laughs)', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [from, to] of [
    ['a', 'b'],
    ['b', 'c'],
    ['c', 'd'],
    ['d', 'e'],
  ]) {
    lines.push(`${to}: &${to} [*${from}, *${from}, *${from}, *${from}, *${from}, *${from}]`);
  }
  const parsed = parseDocuments(`${lines.join('\n')}\n---\nok: 1\n`);
  assert.match(parsed[0]?.error ?? '', /Excessive alias count/);
  assert.deepEqual(parsed[1]?.value, { ok: 1 });
});

test('refuses an alias inside its own anchor', () => {
  assert.equal(parseDocuments('a: &x [*x]\n')[0]?.error, 'a YAML alias refers to its own anchor');
});

test('refuses documents with too many anchors and aliases', () => {
  const anchors = Array.from({ length: 1001 }, (_, i) => `k${i}: &a${i} v`).join('\n');
  assert.match(parseDocuments(anchors)[0]?.error ?? '', /more than 1000 YAML anchors/);
});

test('accepts a few aliases and reports an unknown alias', () => {
  assert.deepEqual(parseDocuments('a: &x {k: v}\nb: *x\n')[0]?.value, {
    a: { k: 'v' },
    b: { k: 'v' },
  });
  assert.match(parseDocuments('a: *nothing\n')[0]?.error ?? '', /nothing/);
});

test('passes unknown tags on as warnings with their line and keeps the value', () => {
  const [doc] = parseDocuments('a: 1\nb: !custom text\n');
  assert.deepEqual(doc?.value, { a: 1, b: 'text' });
  assert.deepEqual(doc.warnings, ['Unresolved tag: !custom (line 2, column 4)']);
});

test('reports absurdly deep nesting as an error instead of throwing', () => {
  const depth = 20_000;
  const parsed = parseDocuments(`${'['.repeat(depth)}${']'.repeat(depth)}\n---\nok: 1\n`);
  assert.notEqual(parsed[0]?.error ?? null, null);
  assert.deepEqual(parsed.at(-1)?.value, { ok: 1 });
});
