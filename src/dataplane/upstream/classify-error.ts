import { ProxyError, type ProxyErrorCode } from '../errors.ts';
import { CONNECT_CANCELLED } from './connect-upstream.ts';
import { UPSTREAM_CLOSED } from './h1-connection.ts';
import { ORIGIN_CLOSED } from './h1-origin.ts';

/** When a failed attempt may be sent again: never, only for idempotent methods, or always. */
export type RetryRule = 'never' | 'idempotent' | 'any';

/** What an upstream failure means for the client and for a retry. */
export interface UpstreamFailure {
  readonly code: ProxyErrorCode;
  /** Only meaningful before the response started and when no request body byte was sent. */
  readonly retry: RetryRule;
}

const CONNECT_REFUSED: UpstreamFailure = { code: 'PM_ERR_UPSTREAM_CONNECT', retry: 'any' };
const CLOSED_BEFORE_RESPONSE: UpstreamFailure = {
  code: 'PM_ERR_UPSTREAM_CONNECT',
  retry: 'idempotent',
};
const RESET: UpstreamFailure = { code: 'PM_ERR_UPSTREAM_RESET', retry: 'never' };
const PROTOCOL: UpstreamFailure = { code: 'PM_ERR_UPSTREAM_PROTOCOL', retry: 'never' };
const INTERNAL: UpstreamFailure = { code: 'PM_ERR_INTERNAL', retry: 'never' };
const OTHER_BEFORE_RESPONSE: UpstreamFailure = { code: 'PM_ERR_UPSTREAM_CONNECT', retry: 'never' };

// Errors raised before a single byte could reach the upstream: safe to send again anywhere.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  ORIGIN_CLOSED,
  // HTTP/2 upstreams: no session to open the stream on, or the upstream refused the stream
  // (REFUSED_STREAM means it was not processed, RFC 9113 section 8.7).
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
  'PM_H2_REFUSED_STREAM',
  // The endpoint was ejected while the connect waited (connect-upstream.ts).
  CONNECT_CANCELLED,
]);
/** Error codes of a connection that broke (closed or reset) during an attempt. */
export const CONNECTION_BROKEN: ReadonlySet<string> = new Set([
  UPSTREAM_CLOSED,
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'PM_H2_RESET',
  'ERR_HTTP2_STREAM_ERROR',
]);
const TLS_FAILURE: UpstreamFailure = { code: 'PM_ERR_UPSTREAM_TLS', retry: 'any' };
const CERTIFICATE_REJECTED =
  /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|INVALID_CA$|INVALID_PURPOSE$|PATH_LENGTH_EXCEEDED$|HOSTNAME_MISMATCH$|ERROR_IN_CERT_)/;
/**
 * Maps an error from one upstream attempt (the upstream clients' or a socket's) to a stable code and says
 * whether sending the request again is safe. `responseStarted` tells whether the upstream's
 * response headers had arrived: a broken connection then is a reset, not a connect failure.
 */
export function classifyUpstreamError(error: unknown, responseStarted: boolean): UpstreamFailure {
  if (error instanceof ProxyError) return { code: error.code, retry: 'never' };
  const code = errorCode(error);
  if (code === undefined) return classifyUncoded(error, responseStarted);
  if (NOT_CONNECTED.has(code)) return responseStarted ? RESET : CONNECT_REFUSED;
  if (CONNECTION_BROKEN.has(code)) return responseStarted ? RESET : CLOSED_BEFORE_RESPONSE;
  // Node's HTTP parser (the upgrade path's node:http client).
  if (code.startsWith('HPE_')) return PROTOCOL;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return TLS_FAILURE;
  }
  // OpenSSL's certificate verification results (proxy-ssl-verify), by their X509_V_ERR names.
  if (CERTIFICATE_REJECTED.test(code)) return TLS_FAILURE;
  if (code.startsWith('ERR_HTTP2_')) return responseStarted ? RESET : PROTOCOL;
  return responseStarted ? RESET : OTHER_BEFORE_RESPONSE;
}

// A programming error is ours, not the upstream's.
function classifyUncoded(error: unknown, responseStarted: boolean): UpstreamFailure {
  if (!(error instanceof Error)) return INTERNAL;
  if (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError
  ) {
    return INTERNAL;
  }
  return responseStarted ? RESET : OTHER_BEFORE_RESPONSE;
}

/** The `code` of an error (Node's and the proxy's carry one), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
