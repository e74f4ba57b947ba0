import type { TemplatePart } from './route-table.ts';

/**
 * Typed header operations and answers that a route applies: read from annotations and snippets
 * by the translator (docs/annotations.md#snippets), applied by the data plane. Names are lower
 * case and checked as tokens; values are literal text and nginx variables, checked to hold no
 * CR, LF or NUL, and filled in per request with anything unsafe percent-encoded.
 */

/** Set a header, replacing every header of that name (an empty result removes it). */
export interface HeaderSet {
  readonly action: 'set';
  readonly name: string;
  readonly value: readonly TemplatePart[];
  /** Only where the header is already there (headers-more's `-r`). */
  readonly onlyIfPresent?: true;
}

/** Add a header line beside those of the same name (nginx's add_header); none when empty. */
export interface HeaderAdd {
  readonly action: 'add';
  readonly name: string;
  readonly value: readonly TemplatePart[];
}

/** Remove every header of that name, or (with `prefix`) every header whose name starts so. */
export interface HeaderRemove {
  readonly action: 'remove';
  readonly name: string;
  /** headers-more's `X-Hidden-*`: `name` is then the text before the `*`. */
  readonly prefix?: true;
}

/** One change to a header list, applied in order. */
export type HeaderOperation = (HeaderSet | HeaderAdd | HeaderRemove) & {
  /** Only for these status codes (responses only); absent: every status. */
  readonly statuses?: readonly number[];
  /** Only when the message's media type (Content-Type before `;`, lower case) is one of these. */
  readonly types?: readonly string[];
};

/** A text replaced at the start of a header value or attribute (nginx's proxy_redirect). */
export interface PrefixRewrite {
  readonly from: string;
  readonly to: string;
}

/** How the Location, Refresh and Set-Cookie headers of upstream answers are rewritten. */
export interface ResponseRewrites {
  /** proxy-redirect-from/to: the start of Location (and of Refresh's `url=`) replaced. */
  readonly location?: PrefixRewrite;
  /** proxy-cookie-path: the start of a cookie's Path attribute replaced. */
  readonly cookiePath?: PrefixRewrite;
  /** proxy-cookie-domain: a cookie's Domain, when equal (without case or leading dot), replaced. */
  readonly cookieDomain?: PrefixRewrite;
}

/** An answer the proxy gives itself instead of proxying (a snippet's `return 200 "ok"`). */
export interface FixedAnswer {
  /** 200-299. */
  readonly code: number;
  readonly body: readonly TemplatePart[];
  /** The Content-Type, ingress-nginx's `default_type` (text/html) unless the snippet says. */
  readonly contentType: string;
}

/** A snippet's `rewrite REGEX TARGET permanent|redirect`: a redirect when the path matches. */
export interface PatternRedirect {
  /** RE2, case-sensitive as in nginx, unanchored, matched on the normalised path. */
  readonly pattern: string;
  /** 301 (permanent) or 302 (redirect). */
  readonly code: number;
  /**
   * Literal text, nginx variables and the pattern's groups (`$1`..`$9`); the request's query is
   * already appended (`$is_args$args`) unless the target ended with `?`, as nginx does.
   */
  readonly location: readonly (TemplatePart | { readonly group: number })[];
}

/** `location = /robots.txt { return 200 "..."; }` in a snippet: an answer for one exact path. */
export interface ExactPathAnswer {
  readonly path: string;
  readonly answer:
    | { readonly kind: 'fixed'; readonly fixed: FixedAnswer }
    | {
        readonly kind: 'redirect';
        readonly code: number;
        readonly location: readonly TemplatePart[];
      };
  /** The response header operations of that location (they replace the route's). */
  readonly responseHeaders?: readonly HeaderOperation[];
}

/**
 * The statuses nginx's add_header applies to without `always` (ngx_http_headers_filter_module).
 */
export const ADD_HEADER_STATUSES: readonly number[] = [
  200, 201, 204, 206, 301, 302, 303, 304, 307, 308,
];

// Hop-by-hop headers (RFC 9110 section 7.6.1) and the framing the proxy owns: setting or
// removing them could desynchronise the connection with the client or the upstream.
const NEVER_CHANGED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

/** True for a (lower-case) header name no operation may set or remove. */
export function isProtectedHeader(name: string): boolean {
  return NEVER_CHANGED.has(name) || name.startsWith(':');
}
