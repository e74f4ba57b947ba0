import { ProxyError } from '../errors.ts';
import { CONNECTION_BROKEN, errorCode } from '../upstream/index.ts';
import type { FailureKind } from './endpoint-health.ts';

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
// ETIMEDOUT: the kernel gave up on the connection (keep-alive probes or retransmissions unanswered).
const TIMEOUTS = new Set(['ETIMEDOUT']);

/**
 * What an attempt's error says about its endpoint, or null when it says nothing: the proxy's
 * own aborts (client gone, body limit), a cancelled connect, pools being closed, an HTTP/2
 * GOAWAY or refused stream (the endpoint asked for the retry), and TLS failures, which come from
 * the backend's settings and would fail every endpoint alike. The upstream clients and the
 * upgrade path raise their timeouts as ProxyErrors of these two codes.
 */
export function failureKindOf(error: unknown): FailureKind | null {
  if (error instanceof ProxyError) {
    if (error.code === 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT') return 'connect_timeout';
    return error.code === 'PM_ERR_UPSTREAM_TIMEOUT' ? 'timeout' : null;
  }
  const code = errorCode(error);
  if (code === undefined) return null;
  if (REFUSED.has(code)) return 'connect';
  if (CONNECTION_BROKEN.has(code)) return 'reset';
  if (TIMEOUTS.has(code)) return 'timeout';
  return null;
}
