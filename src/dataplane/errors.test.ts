import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROXY_ERRORS, ProxyError, isProxyErrorCode, statusOf } from './errors.ts';

test('every code has an HTTP error status and a one-line summary', () => {
  for (const [code, { status, summary }] of Object.entries(PROXY_ERRORS)) {
    assert.match(code, /^PM_ERR_[A-Z0-9_]+$/);
    assert.ok(status >= 400 && status <= 599, code);
    assert.ok(summary.length > 10 && !summary.includes('\n'), code);
  }
});

test('the statuses the proxy promises', () => {
  assert.equal(statusOf('PM_ERR_NO_ROUTE'), 404);
  assert.equal(statusOf('PM_ERR_NOT_READY'), 503);
  assert.equal(statusOf('PM_ERR_NO_ENDPOINTS'), 503);
  assert.equal(statusOf('PM_ERR_BACKEND_UNRESOLVED'), 503);
  assert.equal(statusOf('PM_ERR_UPSTREAM_CONNECT'), 502);
  assert.equal(statusOf('PM_ERR_UPSTREAM_RESET'), 502);
  assert.equal(statusOf('PM_ERR_UPSTREAM_CONNECT_TIMEOUT'), 504);
  assert.equal(statusOf('PM_ERR_UPSTREAM_TIMEOUT'), 504);
  assert.equal(statusOf('PM_ERR_BAD_REQUEST'), 400);
  assert.equal(statusOf('PM_ERR_HEADERS_TOO_LARGE'), 431);
  assert.equal(statusOf('PM_ERR_CLIENT_TIMEOUT'), 408);
});

test('ProxyError carries its code, status and the summary as default message', () => {
  const error = new ProxyError('PM_ERR_UPSTREAM_TIMEOUT');
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'PM_ERR_UPSTREAM_TIMEOUT');
  assert.equal(error.status, 504);
  assert.equal(error.message, PROXY_ERRORS.PM_ERR_UPSTREAM_TIMEOUT.summary);
  assert.equal(new ProxyError('PM_ERR_INTERNAL', 'boom').message, 'boom');
});

test('isProxyErrorCode', () => {
  assert.equal(isProxyErrorCode('PM_ERR_NO_ROUTE'), true);
  assert.equal(isProxyErrorCode('toString'), false);
  assert.equal(isProxyErrorCode('PM_ERR_NOPE'), false);
});
