import type { HeaderOperation, PathRoute } from '../../ir/index.ts';
import { applyHeaderOperations, fromPairs, toPairs } from './header-operations.ts';
import type { RequestFacts } from '../variables/index.ts';
import { rewriteResponseHeaders } from './response-rewrites.ts';

/** Changes a response's header list (flat, `[name, value, ...]`) for its status. */
export type ResponseEdit = (
  status: number,
  headers: readonly (string | readonly string[])[],
) => (string | string[])[];

/**
 * What a route's policies do to the headers of its answers: Location, Refresh and Set-Cookie
 * rewritten first (they concern what the upstream sent), then the header operations in order.
 * `operations` stands in for the route's own (an exact location's). Undefined when nothing
 * changes, so that most requests pay nothing; `facts` is called once, on the first answer.
 */
export function responseEditOf(
  route: PathRoute | null,
  facts: () => RequestFacts,
  operations: readonly HeaderOperation[] | undefined = route?.policies?.responseHeaders,
): ResponseEdit | undefined {
  const rewrites = route?.policies?.responseRewrites;
  if (rewrites === undefined && (operations === undefined || operations.length === 0)) {
    return undefined;
  }
  return (status, headers) => {
    const pairs = toPairs(headers);
    if (rewrites !== undefined) rewriteResponseHeaders(pairs, rewrites);
    if (operations === undefined) return fromPairs(pairs);
    return fromPairs(applyHeaderOperations(pairs, operations, { status, facts: facts() }));
  };
}
