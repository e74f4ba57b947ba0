import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readJsonLines } from './json-lines.ts';
import { KubeApiError } from './kube-api.ts';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('readJsonLines', () => {
  test('splits across chunk borders, skips blank lines, takes a last line without newline', async () => {
    const values: unknown[] = [];
    await readJsonLines(streamOf(['{"a":', '1}\n\n{"b":"é', '"}\n{"c":3}']), (value) => {
      values.push(value);
    });
    assert.deepEqual(values, [{ a: 1 }, { b: 'é' }, { c: 3 }]);
  });

  test('a line that is not JSON, or too long, is a BadResponse error', async () => {
    const bad = readJsonLines(streamOf(['{"a":1}\n', 'nope\n']), () => undefined);
    await assert.rejects(bad, (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.reason, 'BadResponse');
      return true;
    });
    const long = readJsonLines(streamOf(['{"a":"', 'x'.repeat(100)]), () => undefined, 50);
    await assert.rejects(long, /longer than 50 characters/);
  });
});
