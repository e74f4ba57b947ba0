import type { PatternRedirect } from './header-policies.ts';
import { rewriteCaptures } from './route-regex.ts';
import type { RouteRedirect } from './route-table.ts';

// What a capture may carry into a Location as it is: URL characters. Anything else is
// percent-encoded, so that no path byte can end the header line.
const URL_UNSAFE = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu;

/**
 * The redirect of a snippet's `rewrite REGEX TARGET permanent|redirect` for a path, its groups
 * filled in from the match (RE2, case-sensitive as nginx runs it), or null when the pattern does
 * not match. Variables are left for the answer to fill in per request.
 */
export function patternRedirect(rule: PatternRedirect, path: string): RouteRedirect | null {
  const groups = rewriteCaptures(rule.pattern, path, { caseSensitive: true });
  if (groups === null) return null;
  const location = rule.location.map((part) =>
    'group' in part ? { text: encode(groups[part.group] ?? '') } : part,
  );
  return { code: rule.code, location, onlyRoot: false };
}

const utf8 = new TextEncoder();

function encode(text: string): string {
  return text.replace(URL_UNSAFE, (char) =>
    [...utf8.encode(char)]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}
