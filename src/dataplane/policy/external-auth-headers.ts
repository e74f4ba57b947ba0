import type { ExternalAuthPolicy, TemplatePart } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';
import type { GateRequest } from './gate.ts';

// Not passed to the auth service: hop-by-hop headers (nginx's proxy module clears Connection,
// Keep-Alive, TE, Transfer-Encoding, Upgrade and Expect), the body's framing (the auth request
// has no body: ingress-nginx sets Content-Length ""), and X-Forwarded-Proto, which
// ingress-nginx's auth location clears. Host and the headers set below are replaced.
const DROPPED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'host',
  'x-forwarded-proto',
  'http2-settings',
]);

const ORIGINAL_URL: readonly TemplatePart[] = [
  { variable: 'scheme' },
  { text: '://' },
  { variable: 'http_host' },
  { variable: 'request_uri' },
];

/**
 * The headers of the auth request, as ingress-nginx's auth location sends them: the client's
 * request headers (proxy_pass_request_headers on) without the hop-by-hop ones and the body's,
 * then Host (the auth URL's host), X-Request-ID, X-Original-URL, X-Original-Method, X-Sent-From,
 * X-Real-IP, X-Forwarded-For (the client address the proxy trusts), X-Auth-Request-Redirect,
 * X-Original-URI and X-Scheme with auth-method, and the auth-proxy-set-headers ConfigMap's,
 * each replacing what the client sent under that name. A flat `[name, value, ...]` list.
 */
export function authRequestHeaders(
  policy: ExternalAuthPolicy,
  request: GateRequest,
  facts: RequestFacts,
): string[] {
  const set: [string, string][] = [
    ['host', expandTemplate(policy.host, facts)],
    ['x-request-id', request.requestId],
  ];
  if (policy.method !== undefined) {
    set.push(['x-original-uri', expandTemplate([{ variable: 'request_uri' }], facts)]);
    set.push(['x-scheme', request.scheme]);
  }
  set.push(
    ['x-original-url', expandTemplate(ORIGINAL_URL, facts)],
    ['x-original-method', request.method],
    ['x-sent-from', 'nginx-ingress-controller'],
    ['x-real-ip', request.client],
    ['x-forwarded-for', request.client],
    ['x-auth-request-redirect', expandTemplate(policy.requestRedirect, facts)],
  );
  for (const header of policy.proxySetHeaders) {
    set.push([header.name.toLowerCase(), expandTemplate(header.value, facts)]);
  }
  const replaced = new Set(set.map(([name]) => name));
  const connectionNamed = connectionTokens(request.rawHeaders);
  const out: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    // HTTP/2 pseudo-headers (`:path`...) are not request headers.
    if (name.startsWith(':') || DROPPED.has(name) || replaced.has(name)) continue;
    if (connectionNamed.has(name)) continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  for (const [name, value] of set) {
    // nginx's proxy_set_header with an empty value sends no header.
    if (value !== '') out.push(name, value);
  }
  return out;
}

/** The header names a Connection header lists: hop-by-hop for this connection only. */
function connectionTokens(raw: readonly string[]): ReadonlySet<string> {
  const names = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (raw[i + 1] as string).split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') names.add(name);
    }
  }
  return names;
}
