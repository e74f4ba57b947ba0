/**
 * The data plane's error codes: one table, mapping each stable code to the HTTP status the
 * client gets and the one-line meaning shown in answers, logs and docs/errors.md (a test fails
 * when the table and the doc drift).
 */
export const PROXY_ERRORS = {
  PM_ERR_BAD_REQUEST: {
    status: 400,
    summary: 'The request is malformed (bad Host, conflicting framing headers, bad request line).',
  },
  PM_ERR_BAD_PATH: {
    status: 400,
    summary:
      'The request target has a fragment (#), a backslash or an encoded slash (%2F, %5C), a bad or NUL percent escape, escapes that are not UTF-8, or ;parameters that change its route.',
  },
  PM_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    summary: 'The method is not forwarded (TRACE would echo headers such as cookies back).',
  },
  PM_ERR_UNSUPPORTED_TRANSFER_CODING: {
    status: 501,
    summary:
      'The request body uses a transfer coding other than chunked, which the proxy does not decode.',
  },
  PM_ERR_CLIENT_TIMEOUT: {
    status: 408,
    summary: 'The client did not send the request headers or body in time.',
  },
  PM_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    summary: 'The request headers are larger than the proxy accepts.',
  },
  PM_ERR_BODY_TOO_LARGE: {
    status: 413,
    summary:
      'The request body is larger than the route allows (proxy-body-size, or --proxy-body-size).',
  },
  PM_ERR_CLIENT_CLOSED: {
    status: 499,
    summary: 'The client closed the connection before the answer was complete (logged only).',
  },
  PM_ERR_NO_ROUTE: {
    status: 404,
    summary: 'No route matches the request host and path, and there is no default backend.',
  },
  PM_ERR_NOT_READY: {
    status: 503,
    summary: 'The proxy has no route table yet.',
  },
  PM_ERR_NO_ENDPOINTS: {
    status: 503,
    summary: 'The backend Service has no ready endpoint.',
  },
  PM_ERR_BACKEND_UNRESOLVED: {
    status: 503,
    summary:
      'The backend cannot be resolved (missing Service or port, unsupported backend, or unusable `proxy-ssl-secret`).',
  },
  PM_ERR_ACCESS_CONTROL_NOT_ENFORCED: {
    status: 503,
    summary:
      'The Ingress asks for access control pointsman cannot enforce as written (unsupported, invalid, or a missing Secret), so it is not served open.',
  },
  PM_ERR_CLIENT_CERTIFICATE_REQUIRED: {
    status: 400,
    summary:
      'The host requires a client certificate (auth-tls-verify-client: on) and none was sent (nginx: "No required SSL certificate was sent").',
  },
  PM_ERR_CLIENT_CERTIFICATE_INVALID: {
    status: 400,
    summary:
      'The client certificate did not verify against the host\'s auth-tls-secret CA (untrusted, expired, revoked, chain too deep) (nginx: "The SSL certificate error").',
  },
  PM_ERR_CLIENT_CERTIFICATE_FORBIDDEN: {
    status: 403,
    summary: "The client certificate's subject does not match the host's auth-tls-match-cn.",
  },
  PM_ERR_MISDIRECTED_REQUEST: {
    status: 421,
    summary:
      'The request names a host with client-certificate rules, but its TLS connection was set up for another name (SNI), none, or before the rules applied: retry on a new connection.',
  },
  PM_ERR_SOURCE_FORBIDDEN: {
    status: 403,
    summary:
      'The client address is not allowed on the route (allowlist-source-range, denylist-source-range, or their flags).',
  },
  PM_ERR_RATE_LIMITED: {
    status: 503,
    summary:
      'The client sent more requests than the route allows (limit-rps, limit-rpm with their burst); the status is --limit-req-status-code.',
  },
  PM_ERR_CONNECTION_LIMITED: {
    status: 503,
    summary:
      'The client has as many requests in flight as the route allows (limit-connections); the status is --limit-conn-status-code.',
  },
  PM_ERR_TOO_MANY_CONNECTIONS: {
    status: 503,
    summary:
      'At the connection limit with every connection busy, or over the share of one client address: closed unanswered.',
  },
  PM_ERR_UPSTREAM_CONNECT: {
    status: 502,
    summary: 'The upstream refused the connection, or closed it before sending any response.',
  },
  PM_ERR_UPSTREAM_RESET: {
    status: 502,
    summary: 'The upstream connection broke after the response had started; the answer is cut.',
  },
  PM_ERR_UPSTREAM_PROTOCOL: {
    status: 502,
    summary:
      'The upstream answered with something that is not valid HTTP/1.1 (or HTTP/2 for H2C, GRPC and GRPCS backends).',
  },
  PM_ERR_UPSTREAM_TLS: {
    status: 502,
    summary:
      'The TLS handshake with the upstream failed (HTTPS and GRPCS backends), or its certificate did not pass proxy-ssl-verify.',
  },
  PM_ERR_HTTP2_REQUIRED: {
    status: 505,
    summary: 'A gRPC request arrived over HTTP/1.x; gRPC backends need HTTP/2 from the client.',
  },
  PM_ERR_UPSTREAM_CONNECT_TIMEOUT: {
    status: 504,
    summary: 'The connection to the upstream was not established in time.',
  },
  PM_ERR_UPSTREAM_TIMEOUT: {
    status: 504,
    summary: 'The upstream did not send its response headers (or the next body bytes) in time.',
  },
  PM_ERR_ERROR_BACKEND: {
    status: 502,
    summary:
      'The error backend (custom-http-errors) failed, timed out or sent too large a page, after the upstream answered with a listed status.',
  },
  PM_ERR_AUTH_REQUIRED: {
    status: 401,
    summary:
      'The auth service (auth-url) answered 401 and the route has no auth-signin; its WWW-Authenticate is passed on.',
  },
  PM_ERR_AUTH_FORBIDDEN: {
    status: 403,
    summary: 'The auth service (auth-url) answered 403.',
  },
  PM_ERR_AUTH_UNAVAILABLE: {
    status: 500,
    summary:
      'The auth service (auth-url) could not be reached or did not answer in time; the request is not proxied.',
  },
  PM_ERR_AUTH_UNEXPECTED_STATUS: {
    status: 500,
    summary:
      'The auth service (auth-url) answered with a status other than 2xx, 401 or 403; the request is not proxied.',
  },
  PM_ERR_UNAUTHORIZED: {
    status: 401,
    summary:
      'Basic authentication (auth-type: basic) failed: no, malformed or several Authorization headers, an unknown user or a wrong password.',
  },
  PM_ERR_AUTH_BUSY: {
    status: 503,
    summary:
      'Too many password checks (basic authentication) are waiting; the request is refused rather than queued (Retry-After: 1).',
  },
  PM_ERR_INTERNAL: {
    status: 500,
    summary: 'An unexpected error in the proxy itself.',
  },
} as const satisfies Record<string, { readonly status: number; readonly summary: string }>;

/** A stable data-plane error code. */
export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

/** An error with a stable code; its HTTP status and summary come from {@link PROXY_ERRORS}. */
export class ProxyError extends Error {
  /** The stable code, also sent in the `X-Pointsman-Error` response header. */
  readonly code: ProxyErrorCode;
  /** The HTTP status the client gets for this error. */
  readonly status: number;

  constructor(code: ProxyErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? PROXY_ERRORS[code].summary, options);
    this.name = 'ProxyError';
    this.code = code;
    this.status = PROXY_ERRORS[code].status;
  }
}

/** The HTTP status for a code. */
export function statusOf(code: ProxyErrorCode): number {
  return PROXY_ERRORS[code].status;
}

/** True when a string is one of the codes in {@link PROXY_ERRORS}. */
export function isProxyErrorCode(value: string): value is ProxyErrorCode {
  return Object.hasOwn(PROXY_ERRORS, value);
}
