/**
 * Sticky sessions by cookie (`affinity: cookie` and the `session-cookie-*` annotations): the
 * first answer of a route sets a cookie that names an endpoint of its backend (without its
 * address), and later requests that carry it go to that endpoint while it is there.
 */
export interface AffinityPolicy {
  /**
   * `balanced` (ingress-nginx's default): the cookie holds a random key placed on a consistent
   * hash ring of the endpoints, so a scale-up moves some sessions to the new endpoints.
   * `persistent`: the cookie names one endpoint, kept while the endpoint exists.
   */
  readonly mode: 'balanced' | 'persistent';
  /**
   * `sticky` (default): a client a canary served stays on the canary. `legacy`: the canary's
   * choice ignores the cookie, as before ingress-nginx had this annotation.
   */
  readonly canaryBehavior: 'sticky' | 'legacy';
  /** The cookie's name (session-cookie-name, default `INGRESSCOOKIE`). */
  readonly cookieName: string;
  /** The cookie's Path; absent: the route's path (its literal prefix for a regex path). */
  readonly path?: string;
  /** The cookie's Domain; absent: none (the browser uses the request's host). */
  readonly domain?: string;
  /** The cookie's Max-Age in seconds (session-cookie-max-age); absent: none. */
  readonly maxAgeSeconds?: number;
  /** Seconds from the answer to the cookie's Expires date (session-cookie-expires); absent: none. */
  readonly expiresSeconds?: number;
  /** The cookie is marked Secure even on plain HTTP; absent: Secure on HTTPS only. */
  readonly secure?: true;
  /** The cookie's SameSite attribute; absent: none. */
  readonly sameSite?: 'None' | 'Lax' | 'Strict';
  /** `SameSite=None` is left out for user agents known to mishandle it. */
  readonly conditionalSameSiteNone?: true;
  /**
   * A retry after a failed attempt picks a new endpoint and sets a new cookie; absent: the
   * retry goes to the cookie's endpoint again, as ingress-nginx does.
   */
  readonly changeOnFailure?: true;
}
