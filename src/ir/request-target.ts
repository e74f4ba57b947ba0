import { normalizeRequestHost } from './host.ts';
import { PATH_REFUSALS, parseRequestPath, type PathRefusal } from './request-path.ts';

/** Where a request goes: what routing compares, which is also what is sent upstream. */
export interface RequestTarget {
  /** Normalised host for routing. */
  readonly host: string;
  /** The normalised path: matched by routing and forwarded (see parseRequestPath); `*` alone. */
  readonly path: string;
  /** The Host header to send upstream, when there is one. */
  readonly hostHeader: string | undefined;
  /** Origin-form path and query to send upstream: `path` then the query as the client sent it. */
  readonly forwardPath: string;
}

/** A target the proxy answers with 400 instead of routing. */
export interface TargetRefusal {
  /** `path`: the path could reach another backend path than the one matched; `target`: other. */
  readonly refused: 'path' | 'target';
  /** Why, for `explain` and logs. */
  readonly reason: string;
  /** For `path` refusals, which rule of parseRequestPath refused it. */
  readonly pathRefusal?: PathRefusal;
}

/**
 * Reads the routing host and the path of a request target, for the proxy and `explain` alike.
 * Origin-form targets (`/a?b`) take the host from `hostHeader`; absolute-form targets
 * (`http://h/a?b`) take both from the target, as RFC 9112 section 3.2.2 requires, and are
 * forwarded in origin form; `*` is kept for `OPTIONS *`. A missing `hostHeader` routes with the
 * empty host (HTTP/1.0); whether one was required is the caller's to check.
 */
export function parseRequestTarget(
  target: string,
  hostHeader: string | undefined,
): RequestTarget | TargetRefusal {
  if (target === '*') {
    const host = normalizeRequestHost(hostHeader ?? '');
    if (host === null) return badHost(hostHeader ?? '');
    return { host, path: '*', hostHeader, forwardPath: '*' };
  }
  if (target.startsWith('/')) return withPath(hostHeader ?? '', hostHeader, target);
  const scheme = /^https?:\/\//i.exec(target);
  if (scheme === null) {
    return { refused: 'target', reason: 'the target is neither a path nor an http(s) URL' };
  }
  const start = scheme[0].length;
  let end = start;
  while (end < target.length && !'/?#'.includes(target[end] as string)) end++;
  const authority = target.slice(start, end);
  if (authority === '' || authority.includes('@')) {
    return { refused: 'target', reason: 'the URL has no host, or has user information' };
  }
  const rest = target.slice(end);
  return withPath(authority, authority, rest.startsWith('/') ? rest : `/${rest}`);
}

function withPath(
  rawHost: string,
  hostHeader: string | undefined,
  originForm: string,
): RequestTarget | TargetRefusal {
  const host = normalizeRequestHost(rawHost);
  if (host === null) return badHost(rawHost);
  const parsed = parseRequestPath(originForm);
  if (typeof parsed === 'string') {
    return { refused: 'path', reason: PATH_REFUSALS[parsed], pathRefusal: parsed };
  }
  return { host, path: parsed.path, hostHeader, forwardPath: parsed.path + parsed.query };
}

function badHost(rawHost: string): TargetRefusal {
  return { refused: 'target', reason: `the Host ${JSON.stringify(rawHost)} is not valid` };
}

/** True for a refusal, false for a target to route. */
export function isTargetRefusal(value: RequestTarget | TargetRefusal): value is TargetRefusal {
  return 'refused' in value;
}
