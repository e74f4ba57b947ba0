/**
 * Who may reach a route by client address (allowlist-source-range, denylist-source-range, or
 * the `--allowlist-source-range` / `--denylist-source-range` defaults for Ingresses that set
 * neither annotation). The client address is the one trusted proxies vouch for, if any.
 */
export interface SourceRangePolicy {
  /**
   * Canonical CIDRs (`10.0.0.0/8`, `2001:db8::/32`; an address alone is a /32 or /128; host
   * bits cleared; IPv4-mapped IPv6 networks as IPv4), sorted, no repeats. When present, only
   * clients in one of them may reach the route; the others get 403 PM_ERR_SOURCE_FORBIDDEN.
   */
  readonly allow?: readonly string[];
  /** Canonical CIDRs refused (403 PM_ERR_SOURCE_FORBIDDEN), checked before `allow`, as nginx's `deny` lines come first. */
  readonly deny?: readonly string[];
}
