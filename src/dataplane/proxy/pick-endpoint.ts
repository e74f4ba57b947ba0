import type { Backend, Endpoint, PathRoute } from '../../ir/index.ts';
import type { Balancer } from '../balancer/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';

/**
 * The endpoint for a request: by the route's balancing policy (load-balance, upstream-hash-by)
 * when it has one and the balancer knows policies, else the balancer's plain pick. The hash key
 * is filled in only for routes that hash.
 */
export function pickEndpoint(
  balancer: Balancer,
  backend: Backend,
  route: PathRoute | null,
  facts: () => RequestFacts,
): Endpoint | undefined {
  const balance = route?.policies?.balance;
  if (balance === undefined || balancer.pickFor === undefined) return balancer.pick(backend);
  const key = balance.method === 'hash' ? expandTemplate(balance.key, facts()) : '';
  return balancer.pickFor(backend, balance, key);
}
