import type { PrefixRewrite, ResponseRewrites } from '../../ir/index.ts';
import type { HeaderPairs } from './header-operations.ts';

/**
 * Rewrites Location and Refresh (after its `url=`) as nginx's proxy_redirect does, a text
 * replaced at the start of the value, case-sensitive; and the Path (a prefix, as
 * proxy_cookie_path) and Domain (the whole value, without case or leading dot, as
 * proxy_cookie_domain) attributes of each Set-Cookie line.
 */
export function rewriteResponseHeaders(pairs: HeaderPairs, rewrites: ResponseRewrites): void {
  const { location, cookiePath, cookieDomain } = rewrites;
  for (const pair of pairs) {
    const name = pair[0].toLowerCase();
    if (location !== undefined && name === 'location') {
      pair[1] = replaceStart(pair[1], 0, location);
    } else if (location !== undefined && name === 'refresh') {
      const url = pair[1].search(/url=/i);
      if (url >= 0) pair[1] = replaceStart(pair[1], url + 4, location);
    } else if (name === 'set-cookie' && (cookiePath !== undefined || cookieDomain !== undefined)) {
      pair[1] = rewriteCookie(pair[1], cookiePath, cookieDomain);
    }
  }
}

function replaceStart(value: string, at: number, rewrite: PrefixRewrite): string {
  if (!value.startsWith(rewrite.from, at)) return value;
  return value.slice(0, at) + rewrite.to + value.slice(at + rewrite.from.length);
}

function rewriteCookie(
  line: string,
  path: PrefixRewrite | undefined,
  domain: PrefixRewrite | undefined,
): string {
  return line
    .split(';')
    .map((attribute, index) => {
      // The first part is the cookie's own name=value, never an attribute.
      if (index === 0) return attribute;
      const equals = attribute.indexOf('=');
      if (equals < 0) return attribute;
      const name = attribute.slice(0, equals).trim().toLowerCase();
      const value = attribute.slice(equals + 1).trim();
      const head = attribute.slice(0, equals + 1);
      if (name === 'path' && path !== undefined && value.startsWith(path.from)) {
        return `${head}${path.to}${value.slice(path.from.length)}`;
      }
      if (name === 'domain' && domain !== undefined) {
        if (value.replace(/^\./, '').toLowerCase() === domain.from) return `${head}${domain.to}`;
      }
      return attribute;
    })
    .join(';');
}
