import { wildcardSuffix } from './host.ts';
import type { Matcher, RouteMatch } from './matcher.ts';
import { pathMatches } from './path-match.ts';
import { comparePathPrecedence } from './precedence.ts';
import { rewriteCaptures } from './route-regex.ts';
import type { HostRoutes, PathRoute, RouteTable } from './route-table.ts';

/**
 * The obviously correct matcher: a linear scan of the table. It is the oracle the fast matcher
 * is tested against, and `explain` uses it; it is never on the request path.
 */
export class ReferenceMatcher implements Matcher {
  readonly #table: RouteTable;

  constructor(table: RouteTable) {
    this.#table = table;
  }

  /** The host entry a request host selects, if any. */
  selectHost(host: string): HostRoutes | null {
    const hosts = this.#table.hosts;
    const exact = hosts.find((entry) => entry.kind === 'exact' && entry.host === host);
    if (exact) return exact;
    const suffix = wildcardSuffix(host);
    const wildcard = hosts.find(
      (entry) => entry.kind === 'wildcard' && suffix !== null && entry.host === `*.${suffix}`,
    );
    if (wildcard) return wildcard;
    return hosts.find((entry) => entry.kind === 'any') ?? null;
  }

  /** Every path of the entry that matches, best first. */
  matchingPaths(entry: HostRoutes, path: string): PathRoute[] {
    return entry.paths
      .filter((route) => pathMatches(route.match, route.path, path))
      .sort(comparePathPrecedence);
  }

  match(host: string, path: string): RouteMatch {
    const entry = this.selectHost(host);
    const best = entry ? this.matchingPaths(entry, path)[0] : undefined;
    if (best) {
      const rule = { kind: 'rule', host: entry, route: best, backend: best.backend } as const;
      if (best.policies?.rewrite === undefined) return rule;
      return { ...rule, captures: rewriteCaptures(best.path, path) ?? [path] };
    }
    const fallback = this.#table.defaultBackend;
    if (fallback) return { kind: 'default', host: entry, route: null, backend: fallback.backend };
    return { kind: 'none', host: entry, route: null, backend: null };
  }
}
