import type { RouteMatch } from './matcher.ts';
import { parseRequestPath } from './request-path.ts';

/**
 * The path and query the upstream receives for a request: the target's normalised path and
 * query (`forwardPath`), or, for a route with a rewrite, what nginx's
 * `rewrite "(?i)PATH" TARGET break;` makes of it: the whole path replaced by the target with
 * the captured groups filled in; the client's query appended (after the target's own
 * arguments, joined with `&`), unless the target ends in `?`. The rewritten path goes through
 * the request-path parser again, so it reaches the upstream as normalised as any other path.
 * Returns null when that parser refuses it.
 */
export function upstreamPath(
  match: RouteMatch,
  target: { readonly forwardPath: string },
): string | null {
  const rewrite = match.route?.policies?.rewrite;
  if (rewrite === undefined) return target.forwardPath;
  const captures = match.captures ?? [];
  let replaced = '';
  for (const part of rewrite) {
    replaced += 'text' in part ? part.text : (captures[part.group] ?? '');
  }
  const queryStart = target.forwardPath.indexOf('?');
  const clientArgs = queryStart < 0 ? '' : target.forwardPath.slice(queryStart + 1);
  const argsStart = replaced.indexOf('?');
  const path = argsStart < 0 ? replaced : replaced.slice(0, argsStart);
  const ownArgs = argsStart < 0 ? '' : replaced.slice(argsStart + 1);
  const dropClientArgs = argsStart >= 0 && argsStart === replaced.length - 1;
  const args = dropClientArgs
    ? ''
    : [ownArgs, clientArgs].filter((piece) => piece !== '').join('&');
  const parsed = parseRequestPath(path.startsWith('/') ? path : `/${path}`);
  if (typeof parsed === 'string') return null;
  return args === '' ? parsed.path : `${parsed.path}?${args}`;
}
