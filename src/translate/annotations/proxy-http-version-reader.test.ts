import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PROXY_HTTP_VERSION_ANNOTATION,
  readProxyHttpVersion,
} from './proxy-http-version-reader.ts';

test('proxy-http-version 1.1 (or absent) changes nothing', () => {
  for (const annotations of [{}, { [PROXY_HTTP_VERSION_ANNOTATION]: ' 1.1 ' }]) {
    assert.deepEqual(readProxyHttpVersion(annotations), { policies: {}, problems: [] });
  }
});

test('proxy-http-version 1.0 or anything else is ignored with a problem: HTTP/1.1 is spoken', () => {
  for (const value of ['1.0', '2', 'HTTP/1.0']) {
    const read = readProxyHttpVersion({ [PROXY_HTTP_VERSION_ANNOTATION]: value });
    assert.deepEqual(read.policies, {});
    assert.equal(read.problems.length, 1);
    assert.partialDeepStrictEqual(read.problems, [{ code: 'IgnoredAnnotation' }]);
    assert.match(
      read.problems.map((problem) => problem.message).join(),
      /requests go as HTTP\/1\.1/,
    );
  }
});
