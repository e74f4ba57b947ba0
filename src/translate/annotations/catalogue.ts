/**
 * Every annotation of ingress-nginx v1.15.1 (its annotations-risk.md lists them, 136 names),
 * with what pointsman does with it. docs/annotations.md shows this table, generated from it (a
 * test fails when the two differ), so the code and the page never disagree.
 */

/**
 * What pointsman does with an annotation:
 * - `honoured`: read and applied (docs/annotations.md says how);
 * - `moot`: accepted, with nothing to do (pointsman streams bodies, so nginx buffer sizes have
 *   nothing to set);
 * - `fail-closed`: access control pointsman does not enforce yet; the Ingress's paths answer
 *   503 `PM_ERR_ACCESS_CONTROL_NOT_ENFORCED` rather than being served open;
 * - `not-served`: the Ingress's own routes are not served at all (a canary);
 * - `unsupported`: the Ingress is served without it, with a problem that says what differs.
 */
export type AnnotationSupport = 'honoured' | 'moot' | 'fail-closed' | 'not-served' | 'unsupported';

/** One annotation of ingress-nginx, by its name after the prefix. */
export interface AnnotationEntry {
  readonly name: string;
  /** ingress-nginx's group for it (annotations-risk.md). */
  readonly group: string;
  readonly support: AnnotationSupport;
  /** What pointsman does: how it is honoured, or what happens instead. */
  readonly note: string;
}

interface Row {
  readonly group: string;
  readonly support: AnnotationSupport;
  readonly note: string;
  readonly names: readonly string[];
}

const FAIL_CLOSED_NOTE =
  'access control not enforced yet: the paths answer 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED';
const BUFFER_NOTE = 'bodies are streamed with backpressure, never buffered or spooled';
const AFFINITY_NOTE = 'no sticky sessions: endpoints are picked round robin';
const CANARY_NOTE = 'only used with canary, which is not served';
const CORS_NOTE = "no CORS headers are added; the backend's own CORS answers pass through";
const WAF_NOTE = 'no web application firewall inspects the requests';
const SNIPPET_NOTE =
  'parsed as data, never executed: headers, return, rewrite redirects, exact locations (docs/annotations.md#snippets); other directives reported by name, access directives fail closed';

// One row per line reads as the table it is; the formatter would spread each over six lines.
// prettier-ignore
const ROWS: readonly Row[] = [
  { group: 'BackendProtocol', support: 'honoured', note: 'HTTP, HTTPS, GRPC, GRPCS (and H2C); AUTO_HTTP and FCGI are ignored, with a problem', names: ['backend-protocol'] },
  { group: 'Rewrite', support: 'honoured', note: 'plain HTTP is redirected (308) to HTTPS (docs/tls.md)', names: ['ssl-redirect', 'force-ssl-redirect'] },
  { group: 'Rewrite', support: 'moot', note: 'the HTTPS redirect keeps the path as requested, trailing slash included', names: ['preserve-trailing-slash'] },
  { group: 'Proxy', support: 'moot', note: BUFFER_NOTE, names: ['proxy-buffer-size', 'proxy-buffering', 'proxy-buffers-number', 'proxy-busy-buffers-size', 'proxy-max-temp-file-size', 'proxy-request-buffering'] },
  { group: 'ClientBodyBufferSize', support: 'moot', note: BUFFER_NOTE, names: ['client-body-buffer-size'] },
  { group: 'Logs', support: 'moot', note: "an nginx debugging switch; pointsman's debug log level shows routing", names: ['enable-rewrite-log'] },
  { group: 'HTTP2PushPreload', support: 'moot', note: 'browsers dropped HTTP/2 push; Link headers pass through', names: ['http2-push-preload'] },
  { group: 'EnableGlobalAuth', support: 'moot', note: 'there is no global external authentication to opt out of', names: ['enable-global-auth'] },
  { group: 'Allowlist', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['allowlist-source-range'] },
  { group: 'Denylist', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['denylist-source-range'] },
  { group: 'BasicDigestAuth', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['auth-realm', 'auth-secret', 'auth-secret-type', 'auth-type'] },
  { group: 'ExternalAuth', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['auth-always-set-cookie', 'auth-cache-duration', 'auth-cache-key', 'auth-keepalive', 'auth-keepalive-requests', 'auth-keepalive-share-vars', 'auth-keepalive-timeout', 'auth-method', 'auth-proxy-set-headers', 'auth-request-redirect', 'auth-response-headers', 'auth-signin', 'auth-signin-redirect-param', 'auth-snippet', 'auth-url'] },
  { group: 'CertificateAuth', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['auth-tls-error-page', 'auth-tls-match-cn', 'auth-tls-pass-certificate-to-upstream', 'auth-tls-secret', 'auth-tls-verify-client', 'auth-tls-verify-depth'] },
  { group: 'RateLimit', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['limit-allowlist', 'limit-burst-multiplier', 'limit-connections', 'limit-rate', 'limit-rate-after', 'limit-rpm', 'limit-rps'] },
  { group: 'Satisfy', support: 'fail-closed', note: FAIL_CLOSED_NOTE, names: ['satisfy'] },
  { group: 'Canary', support: 'not-served', note: "the canary Ingress is not served: all traffic stays on the main Ingress's backend", names: ['canary'] },
  { group: 'Canary', support: 'unsupported', note: CANARY_NOTE, names: ['canary-by-cookie', 'canary-by-header', 'canary-by-header-pattern', 'canary-by-header-value', 'canary-weight', 'canary-weight-total'] },
  { group: 'Rewrite', support: 'honoured', note: 'the upstream path is the target with $1..$9 from the regex path, the query kept', names: ['rewrite-target'] },
  { group: 'Rewrite', support: 'honoured', note: 'every path of the host is a case-insensitive RE2 regex anchored at the start, first match in ingress-nginx order', names: ['use-regex'] },
  { group: 'Rewrite', support: 'honoured', note: 'a request for exactly / gets 302 to $scheme://$http_host and the root', names: ['app-root'] },
  { group: 'XForwardedPrefix', support: 'honoured', note: 'sent upstream as X-Forwarded-Prefix, with rewrite-target only, as ingress-nginx does', names: ['x-forwarded-prefix'] },
  { group: 'Redirect', support: 'honoured', note: 'the route answers the redirect and never proxies; nginx variables are filled in per request', names: ['permanent-redirect', 'permanent-redirect-code', 'temporal-redirect', 'temporal-redirect-code'] },
  { group: 'Redirect', support: 'honoured', note: 'the www / non-www twin of each exact host answers 308 to the host, unless it is a host itself', names: ['from-to-www-redirect'] },
  { group: 'Redirect', support: 'unsupported', note: "pointsman's own redirects are absolute, with the request's Host", names: ['relative-redirects'] },
  { group: 'UsePortInRedirects', support: 'unsupported', note: "pointsman's own redirects are absolute, with the request's Host", names: ['use-port-in-redirects'] },
  { group: 'Aliases', support: 'honoured', note: 'each alias serves what its host serves, with its certificate; an alias that is a host itself is ignored', names: ['server-alias'] },
  { group: 'CorsConfig', support: 'unsupported', note: CORS_NOTE, names: ['cors-allow-credentials', 'cors-allow-headers', 'cors-allow-methods', 'cors-allow-origin', 'cors-expose-headers', 'cors-max-age', 'enable-cors'] },
  { group: 'CustomHTTPErrors', support: 'unsupported', note: 'upstream error answers are relayed as they are', names: ['custom-http-errors'] },
  { group: 'DisableProxyInterceptErrors', support: 'unsupported', note: 'upstream error answers are relayed as they are', names: ['disable-proxy-intercept-errors'] },
  { group: 'DefaultBackend', support: 'unsupported', note: 'a Service without ready endpoints answers 503', names: ['default-backend'] },
  { group: 'CustomHeaders', support: 'honoured', note: "the data of a ConfigMap in the Ingress's namespace set as response headers; only names listed by --allowed-response-headers (default none)", names: ['custom-headers'] },
  { group: 'Connection', support: 'unsupported', note: 'Connection is hop by hop; upstream connections are kept alive', names: ['connection-proxy-header'] },
  { group: 'FastCGI', support: 'unsupported', note: 'FastCGI backends are not supported', names: ['fastcgi-index', 'fastcgi-params-configmap'] },
  { group: 'LoadBalancing', support: 'honoured', note: 'round_robin (the default) or ewma: peak EWMA of the time to response headers, better of two random endpoints; per route', names: ['load-balance'] },
  { group: 'UpstreamHashBy', support: 'honoured', note: 'consistent hash ring over the key (nginx variables filled in per request); takes precedence over load-balance', names: ['upstream-hash-by'] },
  { group: 'UpstreamHashBy', support: 'honoured', note: 'the key picks a subset of endpoints (default 3, in list order), the request one of it at random', names: ['upstream-hash-by-subset', 'upstream-hash-by-subset-size'] },
  { group: 'SessionAffinity', support: 'unsupported', note: AFFINITY_NOTE, names: ['affinity', 'affinity-canary-behavior', 'affinity-mode', 'session-cookie-change-on-failure', 'session-cookie-conditional-samesite-none', 'session-cookie-domain', 'session-cookie-expires', 'session-cookie-max-age', 'session-cookie-name', 'session-cookie-path', 'session-cookie-samesite', 'session-cookie-secure'] },
  { group: 'Logs', support: 'honoured', note: 'false: no access log line for the routes; metrics still count them', names: ['enable-access-log'] },
  { group: 'Mirror', support: 'unsupported', note: 'requests are not mirrored', names: ['mirror-host', 'mirror-request-body', 'mirror-target'] },
  { group: 'ModSecurity', support: 'unsupported', note: WAF_NOTE, names: ['enable-modsecurity', 'enable-owasp-core-rules', 'modsecurity-snippet', 'modsecurity-transaction-id'] },
  { group: 'Opentelemetry', support: 'unsupported', note: 'no traces are exported', names: ['enable-opentelemetry', 'opentelemetry-operation-name', 'opentelemetry-trust-incoming-span'] },
  { group: 'Proxy', support: 'honoured', note: 'larger request bodies get 413 PM_ERR_BODY_TOO_LARGE, counted as they stream; 0: no limit', names: ['proxy-body-size'] },
  { group: 'Proxy', support: 'honoured', note: 'seconds, in place of the proxy flags for the routes: connect, gaps between upstream reads (tunnels too) and writes', names: ['proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout'] },
  { group: 'Proxy', support: 'honoured', note: "the Path or Domain of the upstream's Set-Cookie lines rewritten, as nginx's proxy_cookie_path and proxy_cookie_domain", names: ['proxy-cookie-domain', 'proxy-cookie-path'] },
  { group: 'Proxy', support: 'honoured', note: "the start of the upstream's Location and Refresh rewritten, as nginx's proxy_redirect; off and default do nothing", names: ['proxy-redirect-from', 'proxy-redirect-to'] },
  { group: 'Proxy', support: 'honoured', note: '1.1 is what pointsman speaks to HTTP backends; 1.0 is ignored with a problem: requests go as HTTP/1.1', names: ['proxy-http-version'] },
  { group: 'Proxy', support: 'honoured', note: "nginx's proxy_next_upstream: conditions, tries (3), time budget; each retry on an endpoint not yet tried; never for a request with a body", names: ['proxy-next-upstream', 'proxy-next-upstream-timeout', 'proxy-next-upstream-tries'] },
  { group: 'ProxySSL', support: 'honoured', note: 'HTTPS and GRPCS backends: a namespace/name Secret of the Ingress\'s namespace; its ca.crt verifies, its tls.crt/tls.key is the client certificate; unusable: the backends answer 503', names: ['proxy-ssl-secret'] },
  { group: 'ProxySSL', support: 'honoured', note: 'on: the upstream certificate must chain to ca.crt and name proxy-ssl-name (default SERVICE.NAMESPACE.svc), else 502 PM_ERR_UPSTREAM_TLS', names: ['proxy-ssl-verify'] },
  { group: 'ProxySSL', support: 'honoured', note: 'most certificates above the upstream\'s own, root included (default 1)', names: ['proxy-ssl-verify-depth'] },
  { group: 'ProxySSL', support: 'honoured', note: 'the name verified; sent in SNI with proxy-ssl-server-name: on (SNI otherwise names the Service, where ingress-nginx sends none)', names: ['proxy-ssl-name', 'proxy-ssl-server-name'] },
  { group: 'ProxySSL', support: 'honoured', note: 'an OpenSSL cipher list (TLS 1.2), and the TLS versions offered (default: 1.2 and 1.3, where ingress-nginx offers 1.2 only)', names: ['proxy-ssl-ciphers', 'proxy-ssl-protocols'] },
  { group: 'SSLCipher', support: 'unsupported', note: 'the global TLS flags (--ssl-ciphers) apply', names: ['ssl-ciphers', 'ssl-prefer-server-ciphers'] },
  { group: 'SSLPassthrough', support: 'honoured', note: 'behind --enable-ssl-passthrough: TLS connections naming the host go undecrypted to the backend of its / path (docs/tls.md)', names: ['ssl-passthrough'] },
  { group: 'ServiceUpstream', support: 'honoured', note: "one endpoint, the Service's cluster IP and port (a headless Service: its Pods)", names: ['service-upstream'] },
  { group: 'UpstreamVhost', support: 'honoured', note: 'the Host sent upstream (nginx variables filled in per request)', names: ['upstream-vhost'] },
  { group: 'ConfigurationSnippet', support: 'honoured', note: SNIPPET_NOTE, names: ['configuration-snippet'] },
  { group: 'ServerSnippet', support: 'honoured', note: `${SNIPPET_NOTE}; on every route of the Ingress's hosts, the oldest Ingress's per host`, names: ['server-snippet'] },
  { group: 'StreamSnippet', support: 'unsupported', note: 'never executed; TCP and UDP services are not supported', names: ['stream-snippet'] },
];

/** Every ingress-nginx v1.15.1 annotation, by name, sorted. */
export const INGRESS_NGINX_ANNOTATIONS: ReadonlyMap<string, AnnotationEntry> = new Map(
  ROWS.flatMap((row) =>
    row.names.map((name): [string, AnnotationEntry] => [
      name,
      { name, group: row.group, support: row.support, note: row.note },
    ]),
  ).sort(([a], [b]) => (a < b ? -1 : 1)),
);

/** Other names ingress-nginx reads for an annotation (its AnnotationAliases). */
export const ANNOTATION_ALIASES: ReadonlyMap<string, string> = new Map([
  ['whitelist-source-range', 'allowlist-source-range'],
  ['limit-whitelist', 'limit-allowlist'],
]);

/**
 * Keys older ingress-nginx releases read, mapped as they mapped them: `secure-backends: "true"`
 * was `backend-protocol: HTTPS`, `grpc-backend: "true"` was `backend-protocol: GRPC`. Others are
 * gone and have no effect.
 */
export const LEGACY_ANNOTATIONS: ReadonlyMap<
  string,
  { readonly backendProtocol?: 'HTTPS' | 'GRPC'; readonly note: string }
> = new Map([
  ['secure-backends', { backendProtocol: 'HTTPS', note: 'read as backend-protocol: HTTPS' }],
  ['grpc-backend', { backendProtocol: 'GRPC', note: 'read as backend-protocol: GRPC' }],
  ['add-base-url', { note: 'removed from ingress-nginx; no effect' }],
  ['base-url-scheme', { note: 'removed from ingress-nginx; no effect' }],
  ['session-cookie-hash', { note: 'removed from ingress-nginx; no effect' }],
]);
