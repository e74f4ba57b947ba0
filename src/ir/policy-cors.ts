/**
 * Cross-origin resource sharing answered by the proxy (enable-cors, cors-*), with
 * ingress-nginx's defaults filled in: the data plane sends these values as they are.
 */
export interface CorsPolicy {
  /**
   * Allowed origins: `['*']` (any origin, answered with a literal `*`), or origins written
   * `scheme://host[:port]`, `scheme://*.host[:port]` (`*` standing for one DNS label) or
   * `null`, matched case-insensitively against the whole Origin header, the matching Origin
   * echoed. Empty: no origin matches (every entry was invalid).
   */
  readonly allowOrigins: readonly string[];
  /** Access-Control-Allow-Methods (default `GET, PUT, POST, DELETE, PATCH, OPTIONS`). */
  readonly allowMethods: string;
  /** Access-Control-Allow-Headers (default: ingress-nginx's list, DNT to Authorization). */
  readonly allowHeaders: string;
  /** Access-Control-Expose-Headers; '' sends none (the default). */
  readonly exposeHeaders: string;
  /** Send `Access-Control-Allow-Credentials: true` (default true). */
  readonly allowCredentials: boolean;
  /** Access-Control-Max-Age in seconds (default 1728000, twenty days). */
  readonly maxAge: number;
}
