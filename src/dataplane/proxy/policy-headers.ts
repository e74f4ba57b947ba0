import type { PathRoute } from '../../ir/index.ts';
import type { ForwardContext } from './forward-headers.ts';
import { applyHeaderOperations, fromPairs, toPairs } from './header-operations.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';

/**
 * The Host (upstream-vhost), X-Forwarded-Prefix and request header operations that a route's
 * policies send upstream, for forwardHeaders. `facts` is called only when there is a template
 * to fill in. A Host that comes out empty (a variable the request did not have) leaves the
 * client's Host in place.
 */
export function policyHeaders(
  route: PathRoute | null,
  facts: () => RequestFacts,
): Pick<ForwardContext, 'upstreamHost' | 'forwardedPrefix' | 'editRequest'> {
  const policies = route?.policies;
  if (policies === undefined) return {};
  const vhost = policies.upstreamHost;
  const upstreamHost = vhost === undefined ? '' : expandTemplate(vhost, facts());
  const operations = policies.requestHeaders;
  return {
    upstreamHost: upstreamHost === '' ? undefined : upstreamHost,
    forwardedPrefix: policies.forwardedPrefix,
    editRequest:
      operations === undefined
        ? undefined
        : (headers) =>
            fromPairs(applyHeaderOperations(toPairs(headers), operations, { facts: facts() })),
  };
}
