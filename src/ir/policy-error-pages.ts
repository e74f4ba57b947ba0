/**
 * Error answers served from another Service, as ingress-nginx's `custom-http-errors`,
 * `default-backend` and `disable-proxy-intercept-errors` annotations, the global
 * `--custom-http-errors` list and `--default-backend-service` do (docs/annotations.md).
 *
 * In a built table `backend` is always present and `service` never is: the annotation reader
 * names the Service (`service`) and the route builder resolves it to a backend of the table
 * (`backend`), so that the error backend gets endpoint updates like any other.
 */
export interface ErrorPagesPolicy {
  /**
   * Id of the backend (RouteTable.backends) that serves the error pages and, with `standIn`,
   * stands in for the route's own backend: the Service of `default-backend` (its first port),
   * else the `--default-backend-service`.
   */
  readonly backend?: string;
  /**
   * Only between the annotation reader and the route builder: the `default-backend` Service's
   * name, in the Ingress's namespace. Never in a built table.
   */
  readonly service?: string;
  /**
   * The statuses served from `backend` instead of as they are (`custom-http-errors`, else the
   * global `--custom-http-errors`), ascending, each 400-599. The upstream's answers with one
   * of them (unless `relayUpstream`) and the proxy's own 502, 503 and 504 answers.
   */
  readonly codes: readonly number[];
  /**
   * `default-backend`: when the route's own backend has no ready endpoint, the request is
   * forwarded to `backend` instead, with `X-Code: 503` and the other `X-*` headers.
   */
  readonly standIn?: true;
  /**
   * `disable-proxy-intercept-errors: "true"`: the upstream's answers are relayed as they are,
   * whatever their status; only the proxy's own errors are served from `backend`.
   */
  readonly relayUpstream?: true;
}
