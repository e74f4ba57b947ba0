import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredObject } from '../../objects/index.ts';
import { CUSTOM_HEADERS_ANNOTATION, customHeadersOf } from './custom-headers-reader.ts';

function configMap(namespace: string, name: string, data: unknown): StoredObject {
  return {
    kind: 'ConfigMap',
    namespace,
    name,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data },
    origin: { source: 'kubernetes' },
    sequence: 1,
  };
}

const maps = new Map([
  ['shop/h', configMap('shop', 'h', { 'X-Frame-Options': 'DENY', 'X-Price': '$5', Other: 'x' })],
  ['other/h', configMap('other', 'h', { 'X-Frame-Options': 'SAMEORIGIN' })],
]);
const context = {
  namespace: 'shop',
  configMaps: maps,
  allowed: new Set(['x-frame-options', 'x-price']),
};
const read = (value: string) => customHeadersOf({ [CUSTOM_HEADERS_ANNOTATION]: value }, context);

describe('customHeadersOf', () => {
  test('sets the allowed headers of the ConfigMap, literal values, and reports the others', () => {
    const result = read('shop/h');
    assert.deepEqual(result.responseHeaders, [
      { action: 'set', name: 'x-frame-options', value: [{ text: 'DENY' }] },
      { action: 'set', name: 'x-price', value: [{ text: '$5' }] },
    ]);
    assert.equal(result.configMap, 'shop/h');
    assert.equal(result.problems.length, 1);
    assert.match(
      result.problems[0]?.message ?? '',
      /key "Other" is not set: other is not in --allowed-response-headers/,
    );
  });

  test('a bare name is read in the Ingress namespace', () => {
    assert.equal(read('h').responseHeaders.length, 2);
  });

  test('nothing is allowed by default', () => {
    const result = customHeadersOf(
      { [CUSTOM_HEADERS_ANNOTATION]: 'shop/h' },
      { ...context, allowed: new Set() },
    );
    assert.deepEqual(result.responseHeaders, []);
    assert.equal(result.problems.length, 3);
  });

  test('another namespace, a missing ConfigMap or a bad name: no headers, one problem', () => {
    for (const [value, why] of [
      ['other/h', /only a ConfigMap in the Ingress's namespace shop is read/],
      ['shop/absent', /ConfigMap shop\/absent not found/],
      ['shop/Bad_Name', /is not a ConfigMap name/],
      ['/h', /is not a ConfigMap name/],
    ] as const) {
      const result = read(value);
      assert.deepEqual(result.responseHeaders, [], value);
      assert.equal(result.problems.length, 1, value);
      assert.partialDeepStrictEqual(result.problems, [{ code: 'IgnoredAnnotation' }]);
      assert.match(result.problems.map((problem) => problem.message).join(), why);
    }
  });

  test('values with CR, LF or NUL, empty values, non-strings and framing headers are refused', () => {
    const bad = configMap('shop', 'bad', {
      'X-Frame-Options': 'a\r\nX-Evil: 1',
      'X-Price': '',
      'Content-Length': '1',
    });
    const result = customHeadersOf(
      { [CUSTOM_HEADERS_ANNOTATION]: 'shop/bad' },
      {
        ...context,
        configMaps: new Map([['shop/bad', bad]]),
        allowed: new Set(['x-frame-options', 'x-price', 'content-length']),
      },
    );
    assert.deepEqual(result.responseHeaders, []);
    assert.equal(result.problems.length, 3);
  });

  test('no annotation: nothing', () => {
    assert.deepEqual(customHeadersOf({}, context), { responseHeaders: [], problems: [] });
  });
});
