import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitStream } from './split-stream.ts';

test('cuts before every --- line and counts the lines before each chunk', () => {
  const chunks = splitStream('a: 1\n---\nb: 2\n--- |\n  text\n---\n');
  assert.deepEqual(chunks, [
    { text: 'a: 1\n', lineOffset: 0 },
    { text: '---\nb: 2\n', lineOffset: 1 },
    { text: '--- |\n  text\n', lineOffset: 3 },
    { text: '---\n', lineOffset: 5 },
  ]);
});

test('keeps directive lines with the document they introduce', () => {
  const chunks = splitStream('a: 1\n...\n%YAML 1.2\n%TAG !e! tag:example.com:\n---\nb: 2\n');
  assert.deepEqual(
    chunks.map((chunk) => chunk.text),
    ['a: 1\n...\n', '%YAML 1.2\n%TAG !e! tag:example.com:\n---\nb: 2\n'],
  );
  assert.equal(chunks[1]?.lineOffset, 2);
});

test('does not cut at lines that only start with dashes or are indented', () => {
  const text = '----\n---x\n  ---\nkey: ---\n';
  assert.deepEqual(splitStream(text), [{ text, lineOffset: 0 }]);
});

test('handles CRLF line ends and a stream without a final newline', () => {
  assert.deepEqual(splitStream('a: 1\r\n---\r\nb: 2'), [
    { text: 'a: 1\r\n', lineOffset: 0 },
    { text: '---\r\nb: 2', lineOffset: 1 },
  ]);
});

test('an empty stream is one empty chunk', () => {
  assert.deepEqual(splitStream(''), [{ text: '', lineOffset: 0 }]);
});
