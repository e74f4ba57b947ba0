import type { HostRoutes, PathRoute } from './route-table.ts';

/** What a request matched. */
export interface RouteMatch {
  /** `rule`: a path rule matched; `default`: the default backend; `none`: 404. */
  readonly kind: 'rule' | 'default' | 'none';
  /** The host entry that was selected, also when none of its paths matched. */
  readonly host: HostRoutes | null;
  readonly route: PathRoute | null;
  /** Id of the backend to use, null for 404. */
  readonly backend: string | null;
  /** For a route with a rewrite: the groups its pattern captured (`[$0, $1, ...]`). */
  readonly captures?: readonly string[];
}

/**
 * Finds the route for a request. `host` is already normalised (see `normalizeRequestHost`) and
 * `path` is the request path without the query string.
 *
 * The host entry is chosen first, most specific wins: the exact host, else the wildcard one
 * label up, else the rules without a host. A request is then matched only against that entry's
 * paths; when none matches it falls to the default backend, else 404. Requests do not fall
 * through to a less specific host entry, as in every controller that maps hosts to virtual hosts.
 */
export interface Matcher {
  match(host: string, path: string): RouteMatch;
}
