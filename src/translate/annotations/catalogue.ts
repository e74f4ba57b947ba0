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
 * - `fail-closed`: access control pointsman does not enforce; the Ingress's paths answer
 *   503 `PM_ERR_ACCESS_CONTROL_NOT_ENFORCED` rather than being served open;
 * - `unsupported`: the Ingress is served without it, with a problem that says what differs.
 */
export type AnnotationSupport = 'honoured' | 'moot' | 'fail-closed' | 'unsupported';

/** One annotation of ingress-nginx, by its name after the prefix. */
export interface AnnotationEntry {
  readonly name: string;
  /** ingress-nginx's group for it (annotations-risk.md). */
  readonly group: string;
  readonly support: AnnotationSupport;
  /** What pointsman does: how it is honoured, or what happens instead. */
  readonly note: string;
  /**
   * The annotation guards who may reach the backend (source ranges, authentication, client
   * certificates, limits): a misspelling of it fails closed, and a rejected edit that sets it is
   * kept on the last good version (control/last-good.ts).
   */
  readonly accessControl: boolean;
}

/** ingress-nginx's groups of annotations that guard who may reach a backend. */
const ACCESS_CONTROL_GROUPS: ReadonlySet<string> = new Set([
  'Allowlist',
  'Denylist',
  'BasicDigestAuth',
  'ExternalAuth',
  'CertificateAuth',
  'RateLimit',
  'Satisfy',
]);

interface Row {
  readonly group: string;
  readonly support: AnnotationSupport;
  readonly note: string;
  readonly names: readonly string[];
}

const BUFFER_NOTE = 'bodies are streamed with backpressure, never buffered or spooled';
const CORS_NOTE =
  'matching origins (lists, `*`, one-level `*.` wildcards) get the Access-Control-* headers, the Origin echoed with Vary: Origin; preflights answered 204 by the proxy; ingress-nginx defaults';
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
  { group: 'EnableGlobalAuth', support: 'honoured', note: '"false" opts the Ingress out of the --global-auth-url authentication', names: ['enable-global-auth'] },
  { group: 'Allowlist', support: 'honoured', note: 'IPv4/IPv6 addresses and CIDRs; other clients get 403 PM_ERR_SOURCE_FORBIDDEN; replaces --allowlist-source-range; a bad entry fails closed', names: ['allowlist-source-range'] },
  { group: 'Denylist', support: 'honoured', note: 'IPv4/IPv6 addresses and CIDRs refused with 403 PM_ERR_SOURCE_FORBIDDEN, before the allowlist; replaces --denylist-source-range', names: ['denylist-source-range'] },
  { group: 'BasicDigestAuth', support: 'honoured', note: 'HTTP basic authentication from an htpasswd (auth-file) or auth-map Secret: bcrypt, apr1/MD5, {SHA}, {SSHA}; digest, plain text and crypt(3) DES fail closed', names: ['auth-realm', 'auth-secret', 'auth-secret-type', 'auth-type'] },
  { group: 'ExternalAuth', support: 'honoured', note: 'each request is first asked of the auth service: 2xx proxies it, 401 and 403 are answered (401 redirects to auth-signin), anything else is 500; a bad value fails closed', names: ['auth-always-set-cookie', 'auth-cache-duration', 'auth-cache-key', 'auth-method', 'auth-proxy-set-headers', 'auth-request-redirect', 'auth-response-headers', 'auth-signin', 'auth-signin-redirect-param', 'auth-url'] },
  { group: 'ExternalAuth', support: 'moot', note: 'connections to the auth service are always kept alive and reused, in a bounded pool per auth origin', names: ['auth-keepalive', 'auth-keepalive-requests', 'auth-keepalive-share-vars', 'auth-keepalive-timeout'] },
  { group: 'ExternalAuth', support: 'fail-closed', note: 'nginx configuration, never run: the paths answer 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED', names: ['auth-snippet'] },
  { group: 'CertificateAuth', support: 'honoured', note: 'per host, by SNI: the HTTPS handshake asks for a client certificate verified against ca.crt (and ca.crl); no or a bad one is 400 (or the error page), a subject not matching match-cn 403, ssl-client-* headers upstream; another SNI is 421; a bad Secret or value fails closed', names: ['auth-tls-error-page', 'auth-tls-match-cn', 'auth-tls-pass-certificate-to-upstream', 'auth-tls-secret', 'auth-tls-verify-client', 'auth-tls-verify-depth'] },
  { group: 'RateLimit', support: 'honoured', note: 'per client address, per replica, one zone per Ingress: requests per second/minute with burst (nodelay) and requests in flight, over the limit 503 (--limit-req-status-code, --limit-conn-status-code); limit-allowlist exempts CIDRs', names: ['limit-allowlist', 'limit-burst-multiplier', 'limit-connections', 'limit-rpm', 'limit-rps'] },
  { group: 'RateLimit', support: 'unsupported', note: 'response bandwidth is not throttled: answers are sent as fast as the client reads', names: ['limit-rate', 'limit-rate-after'] },
  { group: 'Satisfy', support: 'honoured', note: 'any: an address the source ranges allow needs no authentication, and one they refuse may still authenticate; all (the default): both', names: ['satisfy'] },
  { group: 'Canary', support: 'honoured', note: "the Ingress's paths attach to the main Ingress's routes of the same host, path and pathType (one canary per route); its other annotations are ignored, each reported", names: ['canary'] },
  { group: 'Canary', support: 'honoured', note: 'header (always/never, -value, -pattern in RE2), then cookie (always/never), then weight out of -weight-total (100 unless above); a canary with no ready endpoint leaves traffic on the main backend', names: ['canary-by-cookie', 'canary-by-header', 'canary-by-header-pattern', 'canary-by-header-value', 'canary-weight', 'canary-weight-total'] },
  { group: 'Rewrite', support: 'honoured', note: 'the upstream path is the target with $1..$9 from the regex path, the query kept', names: ['rewrite-target'] },
  { group: 'Rewrite', support: 'honoured', note: 'every path of the host is a case-insensitive RE2 regex anchored at the start, first match in ingress-nginx order', names: ['use-regex'] },
  { group: 'Rewrite', support: 'honoured', note: 'a request for exactly / gets 302 to $scheme://$http_host and the root', names: ['app-root'] },
  { group: 'XForwardedPrefix', support: 'honoured', note: 'sent upstream as X-Forwarded-Prefix, with rewrite-target only, as ingress-nginx does', names: ['x-forwarded-prefix'] },
  { group: 'Redirect', support: 'honoured', note: 'the route answers the redirect and never proxies; nginx variables are filled in per request', names: ['permanent-redirect', 'permanent-redirect-code', 'temporal-redirect', 'temporal-redirect-code'] },
  { group: 'Redirect', support: 'honoured', note: 'the www / non-www twin of each exact host answers 308 to the host, unless it is a host itself', names: ['from-to-www-redirect'] },
  { group: 'Redirect', support: 'unsupported', note: "pointsman's own redirects are absolute, with the request's Host", names: ['relative-redirects'] },
  { group: 'UsePortInRedirects', support: 'unsupported', note: "pointsman's own redirects are absolute, with the request's Host", names: ['use-port-in-redirects'] },
  { group: 'Aliases', support: 'honoured', note: 'each alias serves what its host serves, with its certificate; an alias that is a host itself is ignored', names: ['server-alias'] },
  { group: 'CorsConfig', support: 'honoured', note: CORS_NOTE, names: ['cors-allow-credentials', 'cors-allow-headers', 'cors-allow-methods', 'cors-allow-origin', 'cors-expose-headers', 'cors-max-age', 'enable-cors'] },
  { group: 'CustomHTTPErrors', support: 'honoured', note: "upstream answers with a listed status, and the proxy's own 502/503/504, are served from the error backend (default-backend, else --default-backend-service) with the X-Code family of headers", names: ['custom-http-errors'] },
  { group: 'DisableProxyInterceptErrors', support: 'honoured', note: "true: upstream answers are relayed as they are; only the proxy's own errors go to the error backend", names: ['disable-proxy-intercept-errors'] },
  { group: 'DefaultBackend', support: 'honoured', note: "a Service in the Ingress's namespace (first port) that stands in when the route's backend has no ready endpoint, and serves custom-http-errors", names: ['default-backend'] },
  { group: 'CustomHeaders', support: 'honoured', note: "the data of a ConfigMap in the Ingress's namespace set as response headers; only names listed by --allowed-response-headers (default none)", names: ['custom-headers'] },
  { group: 'Connection', support: 'unsupported', note: 'Connection is hop by hop; upstream connections are kept alive', names: ['connection-proxy-header'] },
  { group: 'FastCGI', support: 'unsupported', note: 'FastCGI backends are not supported', names: ['fastcgi-index', 'fastcgi-params-configmap'] },
  { group: 'LoadBalancing', support: 'honoured', note: 'round_robin (the default) or ewma: peak EWMA of the time to response headers, better of two random endpoints; per route', names: ['load-balance'] },
  { group: 'UpstreamHashBy', support: 'honoured', note: 'consistent hash ring over the key (nginx variables filled in per request); takes precedence over load-balance', names: ['upstream-hash-by'] },
  { group: 'UpstreamHashBy', support: 'honoured', note: 'the key picks a subset of endpoints (default 3, in list order), the request one of it at random', names: ['upstream-hash-by-subset', 'upstream-hash-by-subset-size'] },
  { group: 'SessionAffinity', support: 'honoured', note: 'sticky sessions by cookie: balanced (a random key on a consistent hash ring) or persistent (a keyed hash names the endpoint); the value never shows the address', names: ['affinity', 'affinity-mode'] },
  { group: 'SessionAffinity', support: 'honoured', note: 'sticky (default): a client the canary served stays there; legacy: the canary ignores the cookie', names: ['affinity-canary-behavior'] },
  { group: 'SessionAffinity', support: 'honoured', note: 'the Set-Cookie attributes (default INGRESSCOOKIE, Path of the route, HttpOnly, Secure on HTTPS); SameSite=None left out for agents that mishandle it', names: ['session-cookie-conditional-samesite-none', 'session-cookie-domain', 'session-cookie-expires', 'session-cookie-max-age', 'session-cookie-name', 'session-cookie-path', 'session-cookie-samesite', 'session-cookie-secure'] },
  { group: 'SessionAffinity', support: 'honoured', note: 'true: a retry after a failed attempt picks a new endpoint and sets a new cookie; false: it goes to the cookie\'s endpoint again', names: ['session-cookie-change-on-failure'] },
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
      {
        name,
        group: row.group,
        support: row.support,
        note: row.note,
        accessControl: ACCESS_CONTROL_GROUPS.has(row.group),
      },
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
