import type { TemplatePart } from '../../ir/index.ts';
import { parseNginxVariables } from './nginx-variables.ts';

/** The longest redirect target read; a longer one is a mistake, not a URL. */
export const MAX_LOCATION_LENGTH = 4096;

// RFC 3986 characters (unreserved, reserved and `%`); `$` starts a variable. Nothing else may
// reach a Location header from an annotation: no spaces, quotes, controls or non-ASCII.
const URI_TEXT = /^[A-Za-z0-9\-._~:/?#[\]@!&'()*+,;=%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const ABSOLUTE = /^https?:\/\/[^/?#]/i;

/**
 * Parses the target of a redirect annotation: an absolute `http(s)://` URL, a path starting with
 * `/`, or either with nginx variables in it (`$scheme://example.com$request_uri` counts as
 * absolute). Returns the parts to fill in per request, or why the value is not accepted.
 */
export function parseRedirectLocation(value: string): readonly TemplatePart[] | string {
  if (value.length > MAX_LOCATION_LENGTH) {
    return `the value is longer than ${String(MAX_LOCATION_LENGTH)} characters`;
  }
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) return parsed.reason;
  const { parts } = parsed;
  for (const part of parts) {
    const problem = 'text' in part ? uriTextProblem(part.text) : null;
    if (problem !== null) return problem;
  }
  if (!startsAsUrlOrPath(parts)) {
    return 'the value is neither an absolute http(s) URL nor a path starting with /';
  }
  return parts;
}

/** Why literal text cannot be part of a Location, or null when it can. */
export function uriTextProblem(text: string): string | null {
  if (!URI_TEXT.test(text)) {
    return 'the value may hold only URL characters (no spaces, quotes, control or non-ASCII characters)';
  }
  return BAD_ESCAPE.test(text) ? 'the value has a % that does not start a %XX escape' : null;
}

function startsAsUrlOrPath(parts: readonly TemplatePart[]): boolean {
  const [first, second] = parts;
  if (first === undefined) return false;
  if ('text' in first) {
    // `https://$host/...`: the authority may be a variable.
    if (first.text.startsWith('/')) return true;
    return ABSOLUTE.test(first.text) || (/^https?:\/\/$/i.test(first.text) && second !== undefined);
  }
  return (
    first.variable === 'scheme' &&
    second !== undefined &&
    'text' in second &&
    second.text.startsWith('://')
  );
}
