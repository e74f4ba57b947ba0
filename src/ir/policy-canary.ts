import type { RouteBalance } from './route-table.ts';

/**
 * A canary for a route: a second Ingress with `canary: "true"` for the same host, path and
 * pathType. The requests its rules select go to `backend` instead of the route's own backend,
 * as ingress-nginx's Lua balancer decides (`route_to_alternative_balancer`): the header rule
 * first, then the cookie rule, then the weight. Everything else about the request (gates,
 * timeouts, headers, retries) is the route's, since the location belongs to the main Ingress.
 */
export interface CanaryRoute {
  /** Id of a backend in RouteTable.backends; with no ready endpoint, the route's own is used. */
  readonly backend: string;
  /** The canary Ingress. */
  readonly source: { readonly namespace: string; readonly name: string };
  /** `canary-by-header` (with `-value` or `-pattern`); absent: no header rule. */
  readonly header?: CanaryHeaderRule;
  /**
   * `canary-by-cookie`: the cookie name (compared without regard to case, as nginx's
   * `$cookie_NAME`); `always` sends the request to the canary, `never` to the main backend,
   * any other value goes on to the weight. Absent: no cookie rule.
   */
  readonly cookie?: string;
  /**
   * `canary-weight`: a request that no rule above decided goes to the canary when a random
   * integer drawn from 1 to {@link weightTotal} is at most this (0 or less: never).
   */
  readonly weight: number;
  /**
   * `canary-weight-total` as ingress-nginx's balancer uses it: the annotation when it is above
   * 100, else 100.
   */
  readonly weightTotal: number;
  /**
   * `load-balance` / `upstream-hash-by` of the canary Ingress, which ingress-nginx applies to the
   * canary's upstream; absent: round robin.
   */
  readonly balance?: RouteBalance;
  /**
   * `affinity-canary-behavior: legacy` of the canary Ingress: the main route's sticky sessions do
   * not keep a client on the canary (the rules decide each time). Absent: `sticky`, the default,
   * a client the canary served stays there (the main route's affinity, shared by the canary).
   */
  readonly affinityCanaryBehavior?: 'legacy';
}

/**
 * The header rule of a canary (`canary-by-header`), applied when the request has the header
 * (several lines of it are joined with `, `, as nginx's `$http_NAME`):
 * - `always-never`: `always` sends it to the canary, `never` to the main backend, any other
 *   value goes on to the cookie rule;
 * - `value` (`canary-by-header-value`): that exact value sends it to the canary, any other goes
 *   on;
 * - `pattern` (`canary-by-header-pattern`): a value the RE2 pattern finds a match in
 *   (unanchored, case-sensitive, as `ngx.re.match`) sends it to the canary, any other goes on;
 * - `unusable-pattern`: a pattern RE2 refuses; as ingress-nginx does when its regex fails at
 *   run time, the request goes to the main backend (and the translation said so).
 */
export type CanaryHeaderRule =
  | { readonly name: string; readonly match: 'always-never' }
  | { readonly name: string; readonly match: 'value'; readonly value: string }
  | { readonly name: string; readonly match: 'pattern'; readonly pattern: string }
  | { readonly name: string; readonly match: 'unusable-pattern' };
