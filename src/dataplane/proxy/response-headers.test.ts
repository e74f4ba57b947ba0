import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseHeaders } from './response-headers.ts';

test('hop-by-hop and Connection-named headers go, repeated ones stay arrays, Server is added', () => {
  const out = responseHeaders(
    {
      connection: 'keep-alive, x-private',
      'x-private': '1',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      trailer: 'x-sum',
      'proxy-authenticate': 'Basic',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '10',
    },
    false,
  );
  assert.deepEqual(out, [
    'set-cookie',
    ['a=1', 'b=2'],
    'content-length',
    '10',
    'server',
    'pointsman',
  ]);
});

test("the upstream's Server is kept; closing adds Connection: close", () => {
  assert.deepEqual(responseHeaders({ server: 'nginx' }, true), [
    'server',
    'nginx',
    'connection',
    'close',
  ]);
});
