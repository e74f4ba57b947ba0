import type { TemplatePart } from './route-table.ts';

/**
 * External authentication by a subrequest to an auth service (auth-url and the annotations that
 * go with it, or `--global-auth-url`), as ingress-nginx's `auth_request` location: before the
 * request is proxied, the proxy asks the auth service; 2xx lets it through, 401 and 403 are
 * answered, anything else (or no answer) is a 500. Plain checked data: templates are parsed by
 * the translator and filled in by the data plane, never evaluated.
 */
export interface ExternalAuthPolicy {
  /**
   * The auth service's origin, `http(s)://host[:port]`, filled in per request: literal, or with
   * `$host` standing for the request's host (ingress-nginx's documented `https://$host/oauth2/auth`,
   * an oauth2-proxy reached through the proxy itself). No other variable may pick where the auth
   * request goes. The data plane keeps one connection pool per origin.
   */
  readonly origin: readonly TemplatePart[];
  /** The path and query asked of the auth service, filled in per request (may name variables). */
  readonly path: readonly TemplatePart[];
  /** The Host header sent to the auth service: the host of auth-url (`$host` filled in). */
  readonly host: readonly TemplatePart[];
  /** auth-method: the method of the auth request; absent: GET (nginx's subrequest method). */
  readonly method?: string;
  /**
   * auth-signin, with the redirect parameter (`rd=` and the original URL) appended when it has
   * none: a 401 from the auth service becomes a 302 to it. Absent: the 401 goes to the client.
   */
  readonly signin?: readonly TemplatePart[];
  /** auth-response-headers: names copied from a 2xx auth answer onto the upstream request. */
  readonly responseHeaders: readonly string[];
  /** X-Auth-Request-Redirect sent to the auth service (auth-request-redirect; default $request_uri). */
  readonly requestRedirect: readonly TemplatePart[];
  /** auth-proxy-set-headers: headers set on the auth request, from a ConfigMap, by name. */
  readonly proxySetHeaders: readonly ExternalAuthHeader[];
  /** auth-always-set-cookie: the auth answer's Set-Cookie goes on every answer, not only 2xx/3xx. */
  readonly alwaysSetCookie: boolean;
  /**
   * Route paths starting with one of these are not authenticated (ingress-nginx's
   * no-auth-locations, `--no-auth-locations`; by default `/.well-known/acme-challenge`, so
   * that an ACME HTTP-01 solver's Ingress is reachable under global authentication).
   */
  readonly exceptPaths: readonly string[];
  /** auth-cache-key and auth-cache-duration: auth answers kept for a while; absent: none. */
  readonly cache?: ExternalAuthCache;
}

/** One header set on the auth request: a name (as written) and a value filled in per request. */
export interface ExternalAuthHeader {
  readonly name: string;
  readonly value: readonly TemplatePart[];
}

/** How auth answers are cached (nginx's proxy_cache with proxy_cache_valid). */
export interface ExternalAuthCache {
  /** The key, filled in per request (auth-cache-key); answers are shared by requests with one key. */
  readonly key: readonly TemplatePart[];
  /** How long answers of each status are kept, first match wins (auth-cache-duration). */
  readonly durations: readonly ExternalAuthCacheDuration[];
}

/** One `[code ...] time` of auth-cache-duration. */
export interface ExternalAuthCacheDuration {
  /** The statuses it applies to; `any`: every status. */
  readonly statuses: readonly number[] | 'any';
  readonly ttlMs: number;
}
