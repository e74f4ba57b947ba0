/**
 * The methods the proxy answers with `Allow` (an `OPTIONS *` answer, a 405): the ones it
 * forwards that a client may expect a site to support. CONNECT and TRACE are left out.
 */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS';

/**
 * True for a method the proxy refuses with 405 instead of forwarding. TRACE makes the upstream
 * echo the request back, Cookie and Authorization headers and the proxy's own X-Forwarded-For
 * and X-Real-IP included, which a script could then read (cross-site tracing). Methods are
 * case-sensitive (RFC 9110 section 9.1), but an upstream might not be, so `trace` is refused too.
 */
export function isRefusedMethod(method: string): boolean {
  return method.toUpperCase() === 'TRACE';
}
