import type { PathRoute } from './route-table.ts';

/**
 * The one precedence rule among paths of one host (Kubernetes Ingress spec, "Multiple matches"):
 * the longest path wins; on equal length Exact beats Prefix. The paths of a regex host (all
 * `Regex`) are ordered as ingress-nginx orders its locations, longest first and, at equal
 * length, by path text descending; the first that matches wins (nginx's first-match rule). Length is measured on the
 * normalised path (Prefix `/foo/` is `/foo`). Remaining ties cannot occur inside a route table,
 * since translation keeps one route per host+path+type, but are broken by path text for a
 * total order.
 *
 * Returns a negative number when `a` takes precedence over `b`.
 */
export function comparePathPrecedence(
  a: Pick<PathRoute, 'path' | 'match'>,
  b: Pick<PathRoute, 'path' | 'match'>,
): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  // ingress-nginx sorts the locations of a regex host by path, descending, then by length.
  if (a.match === 'Regex' && b.match === 'Regex')
    return a.path > b.path ? -1 : a.path < b.path ? 1 : 0;
  if (a.match !== b.match) return a.match === 'Exact' ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
