import { patternProblem, type PatternRedirect, type TemplatePart } from '../../ir/index.ts';
import { parseNginxVariables } from './nginx-variables.ts';
import { parseRedirectLocation, uriTextProblem } from './redirect-location.ts';
import { absolute } from './redirect-reader.ts';
import type { SnippetDirective } from './snippet-parser.ts';
import type { SnippetOutput } from './snippet-output.ts';

/** A directive reader: returns why the directive is not applied, or null when it is. */
export type DirectiveReader = (directive: SnippetDirective, out: SnippetOutput) => string | null;

/** ingress-nginx's `default_type` (its ConfigMap's default-type): a fixed answer's type. */
export const DEFAULT_CONTENT_TYPE = 'text/html';

// nginx's `return code URL` codes; any other code takes a text.
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const ABSOLUTE = /^(https?:\/\/|\$scheme|\$\{scheme\})/i;
const MAX_BODY = 16 * 1024;
const SIZE = /^([0-9]{1,12})([kKmMgG]?)$/;
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;

/** `return CODE [URL|text]` and `return URL`: a redirect, or a fixed 2xx answer. */
export const readReturn: DirectiveReader = ({ args }, out) => {
  if (out.answer !== undefined) return 'an earlier return already answers';
  const [first = '', second, ...rest] = args;
  if (rest.length > 0) return 'takes a code and a URL or a text';
  if (!/^[0-9]+$/.test(first)) {
    if (second !== undefined || !ABSOLUTE.test(first)) {
      return 'without a code it takes an http(s) URL';
    }
    return redirectTo(302, first, out);
  }
  const code = Number(first);
  if (REDIRECT_CODES.has(code)) {
    return second === undefined ? 'a redirect needs a URL' : redirectTo(code, second, out);
  }
  if (code < 200 || code > 299)
    return `return ${first} is not supported (2xx answers and redirects are)`;
  const body = second ?? '';
  if (body.length > MAX_BODY) return `the text is longer than ${String(MAX_BODY)} characters`;
  const parsed = parseNginxVariables(body);
  if (!parsed.ok) return parsed.reason;
  out.answer = { fixed: { code, body: parsed.parts } };
  return null;
};

function redirectTo(code: number, target: string, out: SnippetOutput): string | null {
  const location = parseRedirectLocation(target);
  if (typeof location === 'string') return location;
  out.answer = { redirect: { code, location: absolute(location), onlyRoot: false } };
  return null;
}

/** `rewrite REGEX TARGET permanent|redirect`, or to an absolute URL: a redirect on a match. */
export const readRewrite: DirectiveReader = ({ args }, out) => {
  if (out.answer !== undefined) return 'it comes after a return, so it is never reached';
  const [regex = '', target = '', flag, ...rest] = args;
  if (target === '' || rest.length > 0) return 'takes a regex, a target and a flag';
  const redirects = flag === 'permanent' || flag === 'redirect';
  if (!redirects && !ABSOLUTE.test(target)) {
    return 'only redirects (permanent, redirect, or an http(s) target) are supported; use rewrite-target for the upstream path';
  }
  const problem = patternProblem(regex);
  if (problem !== null) return `the regex is not one RE2 accepts: ${problem}`;
  // nginx appends the request's query unless the target ends with `?`; after a query of the
  // target's own it would append `&args`, which a template cannot say: not supported.
  const appendQuery = !target.endsWith('?');
  const written = appendQuery ? target : target.slice(0, -1);
  if (appendQuery && written.includes('?')) {
    return 'a target with a query of its own is supported only when it ends with ?';
  }
  const location = rewriteLocation(written);
  if (typeof location === 'string') return location;
  const query: TemplatePart[] = appendQuery ? [{ variable: 'is_args' }, { variable: 'args' }] : [];
  const redirect: PatternRedirect = {
    pattern: regex,
    code: flag === 'permanent' ? 301 : 302,
    location: [...location, ...query],
  };
  out.patternRedirects.push(redirect);
  return null;
};

/** A rewrite target: text, nginx variables and `$1`..`$9`, made absolute like a redirect's. */
function rewriteLocation(target: string): PatternRedirect['location'] | string {
  const parts: (TemplatePart | { group: number })[] = [];
  const pieces = target.split(/\$([1-9])/);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as string;
    if (i % 2 === 1) {
      parts.push({ group: Number(piece) });
      continue;
    }
    const parsed = parseNginxVariables(piece);
    if (!parsed.ok) return parsed.reason;
    for (const part of parsed.parts) {
      const problem = 'text' in part ? uriTextProblem(part.text) : null;
      if (problem !== null) return problem;
      parts.push(part);
    }
  }
  const [first] = parts;
  if (first !== undefined && 'text' in first && first.text.startsWith('/')) {
    return [{ variable: 'scheme' }, { text: '://' }, { variable: 'host' }, ...parts];
  }
  return ABSOLUTE.test(target) ? parts : 'the target is neither an http(s) URL nor a path';
}

/** `client_max_body_size SIZE`: the route's body limit (0: none). */
export const readBodySize: DirectiveReader = ({ args }, out) => {
  const match = args.length === 1 ? SIZE.exec(args[0] as string) : null;
  if (match === null) return 'takes one size (1000, 8k, 10m, 1g)';
  const bytes = Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(bytes)) return 'the size is too large';
  out.maxBodyBytes = bytes;
  return null;
};

/** `default_type TYPE`: the Content-Type of the snippet's fixed answers. */
export const readDefaultType: DirectiveReader = ({ args }, out) => {
  const [type = '', ...rest] = args;
  if (rest.length > 0 || !MEDIA_TYPE.test(type)) return 'takes one media type';
  out.contentType = type.toLowerCase();
  return null;
};

/**
 * `chunked_transfer_encoding on|off`: accepted with nothing to do, since the proxy frames each
 * answer as HTTP requires (docs/annotations.md#snippets says so).
 */
export const readChunked: DirectiveReader = ({ args }) =>
  args.length === 1 && (args[0] === 'on' || args[0] === 'off') ? null : 'takes on or off';
