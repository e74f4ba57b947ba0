import { locationMatches } from './route-regex.ts';
import type { MatchType } from './route-table.ts';

/**
 * Whether a request path (no query string) matches a rule path.
 *
 * Exact is a case-sensitive string comparison. Regex is ingress-nginx's `~* "^PATH"`. Prefix compares element by element on `/`:
 * `/aaa/bbb` matches `/aaa/bbb`, `/aaa/bbb/` and `/aaa/bbb/ccc`, never `/aaa/bbbxyz`. The rule
 * path is the normalised one of the IR (no trailing `/` except the root).
 */
export function pathMatches(match: MatchType, rulePath: string, requestPath: string): boolean {
  if (match === 'Exact') return requestPath === rulePath;
  if (match === 'Regex') return locationMatches(rulePath, requestPath);
  if (rulePath === '/') return requestPath.startsWith('/');
  return (
    requestPath.startsWith(rulePath) &&
    (requestPath.length === rulePath.length || requestPath.charCodeAt(rulePath.length) === 0x2f)
  );
}

/** Normalises a Prefix rule path: the trailing `/` is dropped, except for the root. */
export function normalizePrefix(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}
