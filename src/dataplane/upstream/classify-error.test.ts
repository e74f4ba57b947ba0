import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from 'undici';
import { ProxyError } from '../errors.ts';
import { classifyUpstreamError } from './classify-error.ts';

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('connection refused: connect error, safe to retry for any method', () => {
  assert.deepEqual(classifyUpstreamError(coded('ECONNREFUSED'), false), {
    code: 'PM_ERR_UPSTREAM_CONNECT',
    retry: 'any',
  });
});

test('closed or reset before the response: connect error, retry idempotent methods only', () => {
  for (const error of [new errors.SocketError('other side closed'), coded('ECONNRESET')]) {
    assert.deepEqual(classifyUpstreamError(error, false), {
      code: 'PM_ERR_UPSTREAM_CONNECT',
      retry: 'idempotent',
    });
  }
});

test('closed or reset after the response started: reset, no retry', () => {
  assert.deepEqual(classifyUpstreamError(coded('ECONNRESET'), true), {
    code: 'PM_ERR_UPSTREAM_RESET',
    retry: 'never',
  });
});

test('timeouts', () => {
  assert.equal(
    classifyUpstreamError(new errors.ConnectTimeoutError(), false).code,
    'PM_ERR_UPSTREAM_CONNECT_TIMEOUT',
  );
  assert.equal(
    classifyUpstreamError(new errors.HeadersTimeoutError(), false).code,
    'PM_ERR_UPSTREAM_TIMEOUT',
  );
  assert.equal(
    classifyUpstreamError(new errors.BodyTimeoutError(), true).code,
    'PM_ERR_UPSTREAM_TIMEOUT',
  );
});

test('protocol errors, with or without a code', () => {
  assert.equal(
    classifyUpstreamError(coded('HPE_INVALID_CONSTANT'), false).code,
    'PM_ERR_UPSTREAM_PROTOCOL',
  );
  const uncoded = Object.assign(new Error('bad'), { name: 'HTTPParserError' });
  assert.equal(classifyUpstreamError(uncoded, false).code, 'PM_ERR_UPSTREAM_PROTOCOL');
  assert.equal(
    classifyUpstreamError(new errors.ResponseContentLengthMismatchError(), true).code,
    'PM_ERR_UPSTREAM_PROTOCOL',
  );
});

test("the request's own faults and the proxy's own errors", () => {
  assert.equal(
    classifyUpstreamError(new errors.InvalidArgumentError('x'), false).code,
    'PM_ERR_BAD_REQUEST',
  );
  assert.equal(
    classifyUpstreamError(new errors.RequestAbortedError(), false).code,
    'PM_ERR_CLIENT_CLOSED',
  );
  assert.equal(
    classifyUpstreamError(new ProxyError('PM_ERR_CLIENT_CLOSED'), false).code,
    'PM_ERR_CLIENT_CLOSED',
  );
  assert.equal(classifyUpstreamError(new TypeError('bug'), false).code, 'PM_ERR_INTERNAL');
  assert.equal(classifyUpstreamError('not even an error', false).code, 'PM_ERR_INTERNAL');
});

test('TLS handshake failures with an upstream: their own code, safe to retry anywhere', () => {
  for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
    assert.deepEqual(classifyUpstreamError(coded(code), false), {
      code: 'PM_ERR_UPSTREAM_TLS',
      retry: 'any',
    });
  }
});

test('HTTP/2 upstreams: refused streams retry anywhere, resets like broken connections', () => {
  assert.deepEqual(classifyUpstreamError(coded('PM_H2_REFUSED_STREAM'), false), {
    code: 'PM_ERR_UPSTREAM_CONNECT',
    retry: 'any',
  });
  assert.deepEqual(classifyUpstreamError(coded('PM_H2_RESET'), false), {
    code: 'PM_ERR_UPSTREAM_CONNECT',
    retry: 'idempotent',
  });
  assert.deepEqual(classifyUpstreamError(coded('PM_H2_RESET'), true), {
    code: 'PM_ERR_UPSTREAM_RESET',
    retry: 'never',
  });
  assert.deepEqual(classifyUpstreamError(coded('ERR_HTTP2_ERROR'), false), {
    code: 'PM_ERR_UPSTREAM_PROTOCOL',
    retry: 'never',
  });
});

test('a 101 to a request that asked for no upgrade is a protocol error, never retried', () => {
  assert.deepEqual(classifyUpstreamError(new errors.SocketError('bad upgrade'), false), {
    code: 'PM_ERR_UPSTREAM_PROTOCOL',
    retry: 'never',
  });
});
