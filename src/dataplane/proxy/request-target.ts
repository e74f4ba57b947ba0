import { normalizeRequestHost, normalizeRequestPath } from '../../ir/index.ts';
import type { RequestHead } from './request-head.ts';

/** Where a request goes: what routing compares and what is sent upstream. */
export interface RequestTarget {
  /** Normalised host for routing. */
  readonly host: string;
  /** Path for routing: the target up to `?`, normalised (see normalizeRequestPath). */
  readonly path: string;
  /** The Host header to send upstream, when there is one. */
  readonly hostHeader: string | undefined;
  /** Origin-form path and query to send upstream, byte for byte as the client sent them. */
  readonly forwardPath: string;
}

/**
 * Reads the routing host and path of a request. Origin-form targets (`/a?b`) take the host
 * from the Host header; absolute-form targets (`http://h/a?b`) take both from the target, as
 * RFC 9112 section 3.2.2 requires, and are forwarded in origin form. Returns null for a
 * request that must be refused with 400: no Host on HTTP/1.1, several Hosts, a Host that cannot
 * be a host, or a target in another form.
 */
export function parseRequestTarget(
  url: string,
  head: RequestHead,
  httpVersion: string,
): RequestTarget | null {
  if (head.hostCount > 1) return null;
  if (head.host === undefined && httpVersion !== '1.0' && httpVersion !== '0.9') return null;
  if (url.startsWith('/') || url === '*') {
    const rawHost = head.host ?? '';
    const host = normalizeRequestHost(rawHost);
    if (host === null) return null;
    return { host, path: pathOf(url), hostHeader: head.host, forwardPath: url };
  }
  return parseAbsoluteForm(url);
}

function parseAbsoluteForm(url: string): RequestTarget | null {
  const scheme = /^https?:\/\//i.exec(url);
  if (scheme === null) return null;
  const start = scheme[0].length;
  let end = start;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end++;
  const authority = url.slice(start, end);
  if (authority === '' || authority.includes('@')) return null;
  const host = normalizeRequestHost(authority);
  if (host === null) return null;
  const rest = url.slice(end);
  const forwardPath = rest.startsWith('/') ? rest : `/${rest}`;
  return { host, path: pathOf(forwardPath), hostHeader: authority, forwardPath };
}

function pathOf(target: string): string {
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return path === '*' ? path : normalizeRequestPath(path);
}
