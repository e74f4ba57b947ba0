import type { AffinityPolicy, PathRoute } from '../../ir/index.ts';

/** What the Set-Cookie of a new session depends on besides the route's policy. */
export interface SessionCookieContext {
  /** The request came over TLS: the cookie is Secure then, as ingress-nginx's `$https`. */
  readonly https: boolean;
  readonly userAgent: string | undefined;
  /** Now, in milliseconds since the epoch (for Expires). */
  readonly nowMs: number;
}

// What a Path attribute may hold: no `;` (it would end the attribute), `,`, quotes, controls.
const SAFE_PATH = /^\/[\x21-\x7e]*$/;
const UNSAFE_IN_PATH = /[;,"\\]/;
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/;

/**
 * The Set-Cookie header value of a session, with ingress-nginx's attributes: Path (the route's
 * when not set), Domain, Expires, Max-Age, Secure (forced, or on HTTPS), HttpOnly always, and
 * SameSite, left out when it is None, `conditionalSameSiteNone` is set and the user agent is
 * one that mishandles None. Every part comes from checked values (the reader, the session).
 */
export function sessionSetCookie(
  policy: AffinityPolicy,
  route: PathRoute | null,
  value: string,
  context: SessionCookieContext,
): string {
  let cookie = `${policy.cookieName}=${value}`;
  if (policy.expiresSeconds !== undefined) {
    cookie += `; Expires=${new Date(context.nowMs + policy.expiresSeconds * 1000).toUTCString()}`;
  }
  if (policy.maxAgeSeconds !== undefined) cookie += `; Max-Age=${String(policy.maxAgeSeconds)}`;
  if (policy.domain !== undefined) cookie += `; Domain=${policy.domain}`;
  cookie += `; Path=${policy.path ?? defaultCookiePath(route)}`;
  if (policy.secure === true || context.https) cookie += '; Secure';
  cookie += '; HttpOnly';
  const sameSite = policy.sameSite;
  if (
    sameSite !== undefined &&
    !(
      sameSite === 'None' &&
      policy.conditionalSameSiteNone === true &&
      !sameSiteNoneCompatible(context.userAgent)
    )
  ) {
    cookie += `; SameSite=${sameSite}`;
  }
  return cookie;
}

/**
 * The cookie's Path when session-cookie-path is not set: the route's path, as ingress-nginx's
 * `$location_path`. A regex path cannot be a cookie path (ingress-nginx sends the pattern
 * itself, which matches nothing a browser asks for): its literal start up to the last `/`
 * stands in. A path with characters that would break the header gives `/`.
 */
export function defaultCookiePath(route: PathRoute | null): string {
  if (route === null) return '/';
  let path = route.path;
  if (route.match === 'Regex') {
    const syntax = path.search(REGEX_SYNTAX);
    if (syntax !== -1) path = path.slice(0, path.lastIndexOf('/', syntax - 1) + 1);
  }
  return SAFE_PATH.test(path) && !UNSAFE_IN_PATH.test(path) ? path : '/';
}

/**
 * Whether a user agent handles `SameSite=None`: not Chrome 51 to 66 (which reject such
 * cookies), iOS 12 or Safari on macOS 10.14 (which take None as Strict), as the list Chromium
 * publishes and ingress-nginx checks. No user agent counts as compatible.
 */
export function sameSiteNoneCompatible(userAgent: string | undefined): boolean {
  if (userAgent === undefined) return true;
  if (/Chrome\/[456]/.test(userAgent)) return false;
  if (userAgent.includes('CPU iPhone OS 12') || userAgent.includes('iPad; CPU OS 12')) {
    return false;
  }
  return !(
    userAgent.includes('Macintosh') &&
    userAgent.includes('Intel Mac OS X 10_14') &&
    userAgent.includes('Safari') &&
    !userAgent.includes('Chrome')
  );
}
