import type { Matcher, RouteMatch } from './matcher.ts';

/**
 * A path with the `;parameters` of its segments removed (`/admin;jsessionid=1/x` is
 * `/admin/x`), as servlet containers (Tomcat, Jetty) read a path before they route it.
 */
export function withoutParameters(path: string): string {
  return path.replace(/;[^/]*/g, '');
}

/**
 * True when a path's `;parameters` change the route it takes: matched as sent it takes one
 * route, read the way a servlet container reads it another, so a backend could serve the path
 * of a rule that did not match (`/admin;x/secret` past a protected `/admin` rule to an open
 * `/`). The proxy refuses such a request with 400 rather than choose; `explain` says so too.
 * Paths whose parameters change nothing (`/app/page;jsessionid=1`) are routed as usual.
 */
export function parametersChangeRoute(
  matcher: Matcher,
  host: string,
  path: string,
  match: RouteMatch,
): boolean {
  if (!path.includes(';')) return false;
  const other = matcher.match(host, withoutParameters(path));
  return other.kind !== match.kind || other.route !== match.route;
}
