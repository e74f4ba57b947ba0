import assert from 'node:assert/strict';
import { closedPort } from '../../../test/helpers/closed-port.ts';
import { test } from 'node:test';
import { sendUpstream } from '../../../test/helpers/upstream-exchange.ts';
import { ProxyError } from '../errors.ts';
import { CONNECT_CANCELLED, H1Origin, ORIGIN_CLOSED, UPSTREAM_CLOSED } from '../upstream/index.ts';
import { failureKindOf } from './failure-kind.ts';

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('a refused or unreachable connect is a connect failure', async () => {
  for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']) {
    assert.equal(failureKindOf(coded(code)), 'connect', code);
  }
  // As the HTTP/1.1 client really reports it.
  const port = await closedPort();
  const origin = new H1Origin({
    hostname: '127.0.0.1',
    port,
    authority: `127.0.0.1:${String(port)}`,
    connectTimeoutMs: 2_000,
    responseHeadersTimeoutMs: 2_000,
    responseBodyTimeoutMs: 2_000,
    keepAliveTimeoutMs: 2_000,
  });
  const error: unknown = await sendUpstream(origin).then(
    () => assert.fail('the request should fail'),
    (reason: unknown) => reason,
  );
  assert.equal(failureKindOf(error), 'connect');
});

test('a connect timeout is its own kind', () => {
  assert.equal(failureKindOf(new ProxyError('PM_ERR_UPSTREAM_CONNECT_TIMEOUT')), 'connect_timeout');
});

test('a connection closed or reset before the answer is a reset', () => {
  for (const code of [
    UPSTREAM_CLOSED,
    'ECONNRESET',
    'EPIPE',
    'ECONNABORTED',
    'PM_H2_RESET',
    'ERR_HTTP2_STREAM_ERROR',
  ]) {
    assert.equal(failureKindOf(coded(code)), 'reset', code);
  }
});

test('headers or body not in time is a timeout, as the upstream clients raise it', () => {
  assert.equal(failureKindOf(new ProxyError('PM_ERR_UPSTREAM_TIMEOUT')), 'timeout');
  assert.equal(failureKindOf(coded('ETIMEDOUT')), 'timeout');
});

test('what says nothing about the endpoint counts for nothing', () => {
  const neutral: unknown[] = [
    // The proxy's own aborts (client gone, body too large, a status retry's abort).
    new ProxyError('PM_ERR_CLIENT_CLOSED'),
    new ProxyError('PM_ERR_BODY_TOO_LARGE'),
    new ProxyError('PM_ERR_UPSTREAM_CONNECT'),
    // A connect cancelled because the endpoint was ejected: counted once already.
    coded(CONNECT_CANCELLED),
    // The endpoint asked for the retry (HTTP/2 refused stream), or the pools were closing.
    coded('PM_H2_REFUSED_STREAM'),
    coded(ORIGIN_CLOSED),
    // TLS failures come from the backend's settings and fail every endpoint alike.
    coded('ERR_TLS_CERT_ALTNAME_INVALID'),
    coded('DEPTH_ZERO_SELF_SIGNED_CERT'),
    coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    coded('CERT_HAS_EXPIRED'),
    coded('ERR_SSL_WRONG_VERSION_NUMBER'),
    coded('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
    // Not an error with a code at all.
    new Error('no code'),
    Object.assign(new Error('numeric'), { code: 111 }),
    'ECONNREFUSED',
    null,
    undefined,
  ];
  for (const error of neutral) {
    assert.equal(failureKindOf(error), null, String(error));
  }
  assert.equal(CONNECT_CANCELLED, 'PM_CONNECT_CANCELLED');
});
