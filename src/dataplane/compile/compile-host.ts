import {
  locationMatches,
  preparePattern,
  rewriteCaptures,
  type DefaultRoute,
  type HostRoutes,
  type PathRoute,
  type RouteMatch,
} from '../../ir/index.ts';

/**
 * The paths of one host entry, compiled so that a lookup costs O(segments of the request path)
 * whatever the number of routes, and allocates no result: every answer is built here, once.
 *
 * Relies on the IR's invariants: rule paths start with `/` and Prefix paths are normalised.
 */
export class CompiledHost {
  readonly #exact = new Map<string, RouteMatch>();
  readonly #prefix = new Map<string, RouteMatch>();
  readonly #root: RouteMatch | undefined;
  /** Length of the longest Prefix path; longer candidates cannot hit and are not sliced. */
  readonly #longestPrefix: number;
  readonly #fallback: RouteMatch;
  /** A regex host's routes in precedence order; null for other hosts. */
  readonly #regex: readonly RouteMatch[] | null;

  constructor(entry: HostRoutes, defaultBackend: DefaultRoute | null) {
    let longest = -1;
    this.#regex = entry.regex === true ? compileRegexRoutes(entry) : null;
    for (const route of entry.regex === true ? [] : entry.paths) {
      const map = route.match === 'Exact' ? this.#exact : this.#prefix;
      // Duplicates cannot occur in a sealed table; should they, the first in precedence order
      // wins, as in the reference matcher.
      if (map.has(route.path)) continue;
      map.set(route.path, ruleMatch(entry, route));
      if (route.match === 'Prefix') longest = Math.max(longest, route.path.length);
    }
    this.#root = this.#prefix.get('/');
    this.#longestPrefix = longest;
    this.#fallback = fallbackMatch(entry, defaultBackend);
  }

  /** The route for a request path, or the entry's fallback (default backend or 404). */
  match(path: string): RouteMatch {
    if (this.#regex !== null) return this.#matchRegex(this.#regex, path);
    return this.#exact.get(path) ?? this.#matchPrefix(path) ?? this.#fallback;
  }

  /**
   * A regex host: the first route whose pattern matches, in precedence order (nginx's
   * first-match rule over regex locations), which costs one RE2 match per route tried. Only a
   * route with a rewrite allocates an answer, to carry its captures.
   */
  #matchRegex(routes: readonly RouteMatch[], path: string): RouteMatch {
    for (const match of routes) {
      const route = match.route as PathRoute;
      if (!locationMatches(route.path, path)) continue;
      if (route.policies?.rewrite === undefined) return match;
      return { ...match, captures: rewriteCaptures(route.path, path) ?? [path] };
    }
    return this.#fallback;
  }

  /**
   * Tries the candidates from longest to shortest: the whole path, then each prefix that ends
   * just before a `/`, then the root. The first hit is the longest matching Prefix path, which
   * is what precedence picks once no Exact path matched.
   */
  #matchPrefix(path: string): RouteMatch | undefined {
    const longest = this.#longestPrefix;
    if (longest < 0) return undefined;
    if (path.length <= longest) {
      const hit = this.#prefix.get(path);
      if (hit !== undefined) return hit;
    }
    let end = path.lastIndexOf('/', longest);
    while (end > 0) {
      const hit = this.#prefix.get(path.slice(0, end));
      if (hit !== undefined) return hit;
      end = path.lastIndexOf('/', end - 1);
    }
    return end === 0 ? this.#root : undefined;
  }
}

/** The answer for a request that selected no host entry, or whose entry has no matching path. */
export function fallbackMatch(
  entry: HostRoutes | null,
  defaultBackend: DefaultRoute | null,
): RouteMatch {
  if (defaultBackend === null) {
    return freeze({ kind: 'none', host: entry, route: null, backend: null });
  }
  return freeze({ kind: 'default', host: entry, route: null, backend: defaultBackend.backend });
}

/** A regex host's routes, their patterns compiled now rather than on the first request. */
function compileRegexRoutes(entry: HostRoutes): RouteMatch[] {
  return entry.paths
    .filter((route) => preparePattern(route.path))
    .map((route) => ruleMatch(entry, route));
}

function ruleMatch(entry: HostRoutes, route: PathRoute): RouteMatch {
  return freeze({ kind: 'rule', host: entry, route, backend: route.backend });
}

// Results are shared by every request, so no caller may change one.
function freeze(match: RouteMatch): RouteMatch {
  return Object.freeze(match);
}
