import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyError } from '../errors.ts';
import { classifyUpstreamError } from './classify-error.ts';
import { CONNECT_CANCELLED } from './connect-upstream.ts';
import { UPSTREAM_CLOSED } from './h1-connection.ts';
import { ORIGIN_CLOSED } from './h1-origin.ts';

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('nothing sent (refused, cancelled connect, closed pool): connect error, retry any method', () => {
  for (const code of ['ECONNREFUSED', CONNECT_CANCELLED, ORIGIN_CLOSED]) {
    assert.deepEqual(classifyUpstreamError(coded(code), false), {
      code: 'PM_ERR_UPSTREAM_CONNECT',
      retry: 'any',
    });
  }
});

test('closed or reset before the response: connect error, retry idempotent methods only', () => {
  for (const error of [coded(UPSTREAM_CLOSED), coded('ECONNRESET')]) {
    assert.deepEqual(classifyUpstreamError(error, false), {
      code: 'PM_ERR_UPSTREAM_CONNECT',
      retry: 'idempotent',
    });
  }
});

test('closed or reset after the response started: reset, no retry', () => {
  for (const error of [coded(UPSTREAM_CLOSED), coded('ECONNRESET')]) {
    assert.deepEqual(classifyUpstreamError(error, true), {
      code: 'PM_ERR_UPSTREAM_RESET',
      retry: 'never',
    });
  }
});

test('timeouts, raised as ProxyErrors: their own code, never retried', () => {
  for (const code of ['PM_ERR_UPSTREAM_CONNECT_TIMEOUT', 'PM_ERR_UPSTREAM_TIMEOUT'] as const) {
    assert.deepEqual(classifyUpstreamError(new ProxyError(code), false), { code, retry: 'never' });
  }
});

test("protocol errors: the HTTP/1.1 client's and Node's parser's", () => {
  assert.equal(
    classifyUpstreamError(coded('HPE_INVALID_CONSTANT'), false).code,
    'PM_ERR_UPSTREAM_PROTOCOL',
  );
  assert.deepEqual(classifyUpstreamError(new ProxyError('PM_ERR_UPSTREAM_PROTOCOL'), true), {
    code: 'PM_ERR_UPSTREAM_PROTOCOL',
    retry: 'never',
  });
});

test("the request's own faults and the proxy's own errors", () => {
  assert.equal(
    classifyUpstreamError(new ProxyError('PM_ERR_BAD_REQUEST'), false).code,
    'PM_ERR_BAD_REQUEST',
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
