import {
  rewriteCaptures,
  type Backend,
  type CanaryRoute,
  type PathRoute,
  type RoutePolicies,
} from '../../ir/index.ts';

/** A number in [0, 1), as Math.random gives; tests pass their own. */
export type RandomSource = () => number;

/**
 * Whether a canary's rules send a request to the canary, as ingress-nginx's balancer.lua
 * (`route_to_alternative_balancer`) decides, past its affinity checks: the header rule first,
 * then the cookie rule, then the weight. `rawHeaders` is Node's flat list of names and values.
 * Pure but for `random`, which is called only when the weight decides. Sticky sessions
 * (`affinity-canary-behavior`) decide before it, and call it when the request has no session.
 */
export function canaryRulesChoose(
  canary: CanaryRoute,
  rawHeaders: readonly string[],
  random: RandomSource = Math.random,
): boolean {
  const { header, cookie } = canary;
  if (header !== undefined) {
    const value = headerValue(rawHeaders, header.name);
    if (value !== undefined) {
      switch (header.match) {
        case 'value':
          if (value === header.value) return true;
          break;
        case 'pattern':
          // ngx.re.match: unanchored and case-sensitive; no match goes on to the cookie.
          if (rewriteCaptures(header.pattern, value, { caseSensitive: true }) !== null) {
            return true;
          }
          break;
        case 'unusable-pattern':
          // ingress-nginx's answer when its regex fails: the main backend, no further rule.
          return false;
        case 'always-never':
          if (value === 'always') return true;
          if (value === 'never') return false;
          break;
      }
    }
  }
  if (cookie !== undefined) {
    const value = cookieValue(rawHeaders, cookie);
    if (value === 'always') return true;
    if (value === 'never') return false;
  }
  // Lua's math.random(total) <= weight: an integer from 1 to total, each as likely.
  if (canary.weight <= 0) return false;
  return Math.floor(random() * canary.weightTotal) + 1 <= canary.weight;
}

/**
 * The backend a routed request goes to: the canary's when the route has one whose rules choose
 * it and it has a ready endpoint, else the route's own (`main`, which routing checked has one).
 * As in ingress-nginx, a canary without endpoints leaves every request on the main backend,
 * whatever the request asks for. `table` is the one the request was routed with.
 */
export function chooseBackend(
  route: PathRoute | null,
  main: Backend,
  rawHeaders: readonly string[],
  table: { backend(id: string): Backend | undefined },
  random: RandomSource = Math.random,
): Backend {
  const canary = route?.canary;
  if (canary === undefined) return main;
  const backend = table.backend(canary.backend);
  if (backend === undefined || backend.problem !== null || backend.endpoints.length === 0) {
    return main;
  }
  return canaryRulesChoose(canary, rawHeaders, random) ? backend : main;
}

/**
 * The route to pick an endpoint of the chosen backend with: for the canary, the route with the
 * canary's own balancing (ingress-nginx balances a canary upstream with the canary Ingress's
 * load-balance and upstream-hash-by). Allocates only for a request sent to the canary.
 */
export function balancingRouteFor(
  route: PathRoute | null,
  chosen: Backend,
  main: Backend,
): PathRoute | null {
  if (route === null || chosen === main || route.canary === undefined) return route;
  const policies: { -readonly [K in keyof RoutePolicies]: RoutePolicies[K] } = {
    ...route.policies,
  };
  const { balance } = route.canary;
  if (balance === undefined) delete policies.balance;
  else policies.balance = balance;
  return { ...route, policies };
}

/** nginx's `$http_NAME`: every line of the header joined with `, `; undefined when absent. */
function headerValue(raw: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== name) continue;
    const next = raw[i + 1] as string;
    value = value === undefined ? next : `${value}, ${next}`;
  }
  return value;
}

/** nginx's `$cookie_NAME`: the first cookie of that name (without regard to case), trimmed. */
function cookieValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'cookie') continue;
    for (const pair of (raw[i + 1] as string).split(';')) {
      const equals = pair.indexOf('=');
      if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== name) continue;
      return pair.slice(equals + 1).trim();
    }
  }
  return undefined;
}
