import { isProtectedHeader, type TemplatePart } from '../../ir/index.ts';
import { parseNginxVariables } from './nginx-variables.ts';

// RFC 9110 section 5.6.2: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values hold no control characters but tab (RFC 9110 section 5.5): CR, LF or NUL would
// end a header line, or start another.
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}
/** Longest header value read from a snippet or an annotation. */
export const MAX_HEADER_VALUE = 4096;

/** A header name checked as a token, in lower case, or why it cannot be used. */
export function headerName(name: string): { readonly name: string } | { readonly reason: string } {
  if (!TOKEN.test(name) || name.length > 256) {
    return { reason: `${JSON.stringify(name.slice(0, 60))} is not a header name` };
  }
  const lower = name.toLowerCase();
  if (isProtectedHeader(lower)) {
    return { reason: `${lower} is hop by hop or framing, which the proxy alone sets` };
  }
  return { name: lower };
}

/**
 * A header value parsed into text and nginx variables, or why it cannot be used: controls
 * other than tab, an unsupported variable, or a value past {@link MAX_HEADER_VALUE}. Variables
 * are filled in per request with anything unsafe percent-encoded, so a client cannot split a
 * header through one either.
 */
export function headerValue(
  value: string,
): { readonly parts: readonly TemplatePart[] } | { readonly reason: string } {
  if (value.length > MAX_HEADER_VALUE) {
    return { reason: `the value is longer than ${String(MAX_HEADER_VALUE)} characters` };
  }
  if (hasControl(value)) return { reason: 'the value holds a control character (CR, LF, NUL)' };
  const parsed = parseNginxVariables(value);
  return parsed.ok ? { parts: parsed.parts } : { reason: parsed.reason };
}

/**
 * A header value taken as literal text (a `$` is a dollar sign, as ingress-nginx escapes the
 * values of a custom-headers ConfigMap), or why it cannot be used: empty, controls other than
 * tab, or longer than {@link MAX_HEADER_VALUE}.
 */
export function literalHeaderValue(
  value: string,
): { readonly parts: readonly TemplatePart[] } | { readonly reason: string } {
  if (value.trim() === '') return { reason: 'the value is empty' };
  if (value.length > MAX_HEADER_VALUE) {
    return { reason: `the value is longer than ${String(MAX_HEADER_VALUE)} characters` };
  }
  if (hasControl(value)) return { reason: 'the value holds a control character (CR, LF, NUL)' };
  return { parts: [{ text: value }] };
}
