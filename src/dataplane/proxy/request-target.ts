import { isTargetRefusal, parseRequestTarget, type RequestTarget } from '../../ir/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import type { RequestHead } from './request-head.ts';

/**
 * Reads the routing host and path of a request with the one target parser that `explain` uses
 * too (see parseRequestTarget in ir/), so what is matched is what is forwarded. Answers
 * `PM_ERR_BAD_PATH` for a path that could reach another backend path than the one matched, and
 * `PM_ERR_BAD_REQUEST` for no Host on HTTP/1.1, several Hosts, a Host that cannot be a host, or
 * a target in another form.
 */
export function requestTargetOf(
  url: string,
  head: RequestHead,
  httpVersion: string,
): RequestTarget | ProxyErrorCode {
  if (head.hostCount > 1) return 'PM_ERR_BAD_REQUEST';
  if (head.host === undefined && httpVersion !== '1.0' && httpVersion !== '0.9') {
    return 'PM_ERR_BAD_REQUEST';
  }
  const target = parseRequestTarget(url, head.host);
  if (!isTargetRefusal(target)) return target;
  return target.refused === 'path' ? 'PM_ERR_BAD_PATH' : 'PM_ERR_BAD_REQUEST';
}
