import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawErrorResponse, renderErrorBody } from './error-response.ts';

test('JSON when asked for JSON', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_NO_ENDPOINTS', 'r1', 'application/json');
  assert.equal(contentType, 'application/json');
  assert.deepEqual(JSON.parse(body), {
    error: {
      code: 'PM_ERR_NO_ENDPOINTS',
      status: 503,
      message: 'The backend Service has no ready endpoint.',
      requestId: 'r1',
    },
  });
  assert.equal(
    renderErrorBody('PM_ERR_NO_ROUTE', 'r', 'application/problem+json').contentType,
    'application/json',
  );
});

test('HTML for browsers, escaped', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_NO_ROUTE', '<b>&"\'', 'text/html');
  assert.match(contentType, /^text\/html/);
  assert.match(body, /<title>404 Not Found<\/title>/);
  assert.match(body, /&lt;b&gt;&amp;&quot;&#39;/);
  assert.doesNotMatch(body, /<b>/);
});

test('plain text otherwise', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_UPSTREAM_TIMEOUT', 'r', undefined);
  assert.match(contentType, /^text\/plain/);
  assert.equal(
    body,
    '504 Gateway Timeout: The upstream did not send its response headers (or the next body bytes) in time.\n' +
      'code: PM_ERR_UPSTREAM_TIMEOUT\nrequest: r\n',
  );
});

test('a raw response is complete HTTP/1.1 with a matching Content-Length', () => {
  const text = rawErrorResponse('PM_ERR_HEADERS_TOO_LARGE', 'r', undefined);
  const [head = '', body = ''] = text.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.match(head, /\r\nx-pointsman-error: PM_ERR_HEADERS_TOO_LARGE\r\n/);
  assert.match(head, /\r\nconnection: close(\r\n|$)/);
  assert.match(head, new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(body)}\\r\\n`));
});
