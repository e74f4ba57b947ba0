import type { RouteMatch } from './matcher.ts';
import { parseRequestPath } from './request-path.ts';

/**
 * The path and query the upstream receives for a request: the target's normalised path and
 * query (`forwardPath`), or, for a route with a rewrite, what nginx's
 * `rewrite "(?i)PATH" TARGET break;` makes of it: the whole path replaced by the target with
 * the captured groups filled in, and the client's query kept (a target holds no query: the
 * annotation's validator refuses `?`). The rewritten path goes through the request-path
 * parser again, so it reaches the upstream as normalised as any other path. Returns null when
 * that parser refuses it.
 */
export function upstreamPath(
  match: RouteMatch,
  target: { readonly forwardPath: string },
): string | null {
  const rewrite = match.route?.policies?.rewrite;
  if (rewrite === undefined) return target.forwardPath;
  const captures = match.captures ?? [];
  let path = '';
  for (const part of rewrite) path += 'text' in part ? part.text : (captures[part.group] ?? '');
  const queryStart = target.forwardPath.indexOf('?');
  const query = queryStart < 0 ? '' : target.forwardPath.slice(queryStart);
  const parsed = parseRequestPath(path.startsWith('/') ? path : `/${path}`);
  if (typeof parsed === 'string') return null;
  return parsed.path + query;
}
