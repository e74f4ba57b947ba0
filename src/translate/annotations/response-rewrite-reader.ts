import type { PrefixRewrite, Problem, ResponseRewrites } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const REDIRECT_FROM = `${INGRESS_NGINX_PREFIX}/proxy-redirect-from`;
const REDIRECT_TO = `${INGRESS_NGINX_PREFIX}/proxy-redirect-to`;
const COOKIE_PATH = `${INGRESS_NGINX_PREFIX}/proxy-cookie-path`;
const COOKIE_DOMAIN = `${INGRESS_NGINX_PREFIX}/proxy-cookie-domain`;

/** The annotations that rewrite Location, Refresh and Set-Cookie in upstream answers. */
export const RESPONSE_REWRITE_ANNOTATIONS = [
  REDIRECT_FROM,
  REDIRECT_TO,
  COOKIE_PATH,
  COOKIE_DOMAIN,
] as const;

// ingress-nginx's URLIsValidRegex for proxy-redirect-*, and its cookie characters: no spaces,
// quotes or `$`, so neither variables nor regexes (`~`) reach nginx, nor here.
const URL_TEXT = /^[A-Za-z0-9\-._~/:,?&=]+$/;
const COOKIE_TEXT = /^[A-Za-z0-9\-._~/:]+$/;

/**
 * Reads proxy-redirect-from/to and proxy-cookie-path/domain as ingress-nginx writes them into
 * nginx's proxy_redirect, proxy_cookie_path and proxy_cookie_domain: `off` (the default) does
 * nothing; proxy-redirect-from `default` replaces nginx's own upstream name, which never reaches
 * a pointsman backend, so it does nothing either; proxy-redirect-from needs proxy-redirect-to.
 * Regex forms (`~...`) are not supported and are ignored with a problem.
 */
export const readResponseRewrites: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const rewrites: { -readonly [K in keyof ResponseRewrites]: ResponseRewrites[K] } = {};
  const from = (annotations[REDIRECT_FROM] ?? '').trim();
  const to = (annotations[REDIRECT_TO] ?? '').trim();
  if (from !== '' && from !== 'off' && from !== 'default') {
    if (to === '' || to === 'off') {
      problems.push(ignored(REDIRECT_FROM, from, `it has no effect without ${REDIRECT_TO}`));
    } else {
      const why = textProblem(from, URL_TEXT) ?? textProblem(to, URL_TEXT);
      if (why === null) rewrites.location = { from, to };
      else problems.push(ignored(REDIRECT_FROM, `${from} ${to}`, why));
    }
  }
  const path = pairOf(annotations, COOKIE_PATH, problems);
  if (path !== null) rewrites.cookiePath = path;
  const domain = pairOf(annotations, COOKIE_DOMAIN, problems);
  if (domain !== null) {
    // nginx drops a leading dot of the domain to match, as cookies do.
    rewrites.cookieDomain = { from: domain.from.replace(/^\./, '').toLowerCase(), to: domain.to };
  }
  return {
    policies: Object.keys(rewrites).length === 0 ? {} : { responseRewrites: rewrites },
    problems,
  };
};

/** `"<from> <to>"`, or null for `off` or an absent value. */
function pairOf(
  annotations: Readonly<Record<string, string>>,
  key: string,
  problems: Problem[],
): PrefixRewrite | null {
  const value = (annotations[key] ?? '').trim();
  if (value === '' || value === 'off') return null;
  const [from = '', to = '', ...rest] = value.split(/\s+/);
  const why =
    to === '' || rest.length > 0
      ? 'the value is neither off nor "<from> <to>"'
      : (textProblem(from, COOKIE_TEXT) ?? textProblem(to, COOKIE_TEXT));
  if (why === null) return { from, to };
  problems.push(ignored(key, value, why));
  return null;
}

function textProblem(text: string, allowed: RegExp): string | null {
  if (text.startsWith('~')) return 'regular expressions (~) are not supported';
  return allowed.test(text) ? null : 'the value may hold only URL characters, without variables';
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
