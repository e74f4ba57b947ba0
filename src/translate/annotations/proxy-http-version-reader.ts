import type { Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

/** `proxy-http-version`: the HTTP version nginx speaks to the upstream, `1.1` by default. */
export const PROXY_HTTP_VERSION_ANNOTATION = `${INGRESS_NGINX_PREFIX}/proxy-http-version`;

/**
 * Reads proxy-http-version. `1.1` is what the proxy speaks to HTTP backends (keep-alive
 * pools), so it changes nothing. `1.0` is not honoured: the proxy's HTTP/1.1 client sends no HTTP/1.0, and
 * requests still go as HTTP/1.1, with an `IgnoredAnnotation` problem saying so. An HTTP/1.0
 * server answers them in 1.0 (RFC 9112 section 2.3 asks servers to accept a higher minor
 * version), and the connection is closed after the answer unless it says keep-alive; what it
 * cannot read is a chunked request body, which the proxy sends when the client's request has no
 * Content-Length (nginx with 1.0 buffers the body to send one).
 */
export const readProxyHttpVersion: PolicyReader = (annotations) => {
  const value = (annotations[PROXY_HTTP_VERSION_ANNOTATION] ?? '').trim();
  if (value === '' || value === '1.1') return { policies: {}, problems: [] };
  const why =
    value === '1.0'
      ? 'the proxy cannot speak HTTP/1.0 upstream; requests go as HTTP/1.1 (a request body of unknown length is sent chunked, which an HTTP/1.0 backend cannot read)'
      : 'the value is neither 1.0 nor 1.1; requests go as HTTP/1.1';
  const problem: Problem = {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${PROXY_HTTP_VERSION_ANNOTATION}]`,
    message: `${PROXY_HTTP_VERSION_ANNOTATION} is ignored: ${JSON.stringify(value.slice(0, 40))}: ${why}`,
  };
  return { policies: {}, problems: [problem] };
};
