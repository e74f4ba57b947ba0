import type {
  ExternalAuthCacheDuration,
  ExternalAuthHeader,
  ExternalAuthPolicy,
  TemplatePart,
} from '../../ir/index.ts';
import { parseNginxVariables } from './nginx-variables.ts';

/**
 * The settings of one external authentication, as written: the auth-* annotations of an
 * Ingress, or the `--global-auth-*` flags (ingress-nginx's global-auth-* ConfigMap keys).
 */
export interface ExternalAuthFields {
  readonly url: string;
  readonly method?: string | undefined;
  readonly signin?: string | undefined;
  readonly signinRedirectParam?: string | undefined;
  readonly responseHeaders?: string | undefined;
  readonly requestRedirect?: string | undefined;
  readonly cacheKey?: string | undefined;
  readonly cacheDuration?: string | undefined;
  readonly alwaysSetCookie?: string | undefined;
}

/** Why one field cannot be used: its name in {@link ExternalAuthFields} and the reason. */
export interface ExternalAuthFieldError {
  readonly field: keyof ExternalAuthFields;
  readonly reason: string;
}

// ingress-nginx's URLWithNginxVariableRegex (parser/validators.go) without the space: the only
// characters auth-url and auth-signin may hold.
const URL_TEXT = /^[-._~a-zA-Z0-9/:,?&=$]*$/;
// Its URLIsValidRegex: auth-request-redirect (no variables) and auth-signin-redirect-param.
const PLAIN_URL_TEXT = /^[-._~a-zA-Z0-9/:,?&=]*$/;
const PARAM_NAME = /^[-._~a-zA-Z0-9]+$/;
// authreq/main.go: methodsRegex (CONNECT left out: it opens a tunnel, not an auth request).
const METHODS = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE)$/;
const HEADER_NAME = /^[a-zA-Z\d\-_]+$/;
const CACHE_KEY = /^[A-Za-z0-9\-_${}]*$/;
const STATUS = /^\d{3}$/;
const DURATION = /^(\d+)(ms|s|m|h|d|w|M|y)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  M: 30 * 86_400_000,
  y: 365 * 86_400_000,
};
const MAX_LENGTH = 2048;
const MAX_RESPONSE_HEADERS = 64;
/** ingress-nginx's default no-auth-locations. */
export const DEFAULT_NO_AUTH_LOCATIONS: readonly string[] = ['/.well-known/acme-challenge'];
// authreq.DefaultCacheDuration.
const DEFAULT_CACHE_DURATION = '200 202 401 5m';
// Go's strconv.ParseBool, as ingress-nginx reads booleans.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool: true, false, or undefined for anything else. */
export function goBool(value: string): boolean | undefined {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}

/**
 * Checks and parses the settings of one external authentication as ingress-nginx's authreq
 * parser does, into the IR policy; every field that cannot be used is an error (the caller
 * fails closed on any: access control is never weakened by a typo). Never throws.
 */
export function externalAuthPolicyOf(
  fields: ExternalAuthFields,
  proxySetHeaders: readonly ExternalAuthHeader[] = [],
  exceptPaths: readonly string[] = DEFAULT_NO_AUTH_LOCATIONS,
):
  | { readonly ok: true; readonly policy: ExternalAuthPolicy }
  | { readonly ok: false; readonly errors: readonly ExternalAuthFieldError[] } {
  const errors: ExternalAuthFieldError[] = [];
  const fail: Fail = (field, reason) => {
    errors.push({ field, reason });
  };
  const target = authTarget(fields.url.trim(), fail);
  const method = optional(fields.method);
  if (method !== undefined && !METHODS.test(method)) {
    fail('method', `${quote(method)} is not one of GET HEAD POST PUT PATCH DELETE OPTIONS TRACE`);
  }
  const param = optional(fields.signinRedirectParam) ?? 'rd';
  if (!PARAM_NAME.test(param) || param.length > 128) {
    fail('signinRedirectParam', `${quote(param)} is not a query parameter name`);
  }
  const signinText = optional(fields.signin);
  const signin = signinText === undefined ? undefined : signinOf(signinText, param, fail);
  const responseHeaders = headerNames(fields.responseHeaders ?? '', fail);
  const redirectText = optional(fields.requestRedirect);
  if (redirectText !== undefined && !textOk(redirectText, PLAIN_URL_TEXT)) {
    fail('requestRedirect', `${quote(redirectText)} holds characters a URL here may not`);
  }
  const cacheKeyText = optional(fields.cacheKey);
  const cacheKey = cacheKeyText === undefined ? undefined : cacheKeyOf(cacheKeyText, fail);
  const durations = cacheDurations(optional(fields.cacheDuration) ?? DEFAULT_CACHE_DURATION, fail);
  const cookieText = optional(fields.alwaysSetCookie);
  const alwaysSetCookie = cookieText === undefined ? false : goBool(cookieText);
  if (alwaysSetCookie === undefined)
    fail('alwaysSetCookie', `${quote(cookieText ?? '')} is not a boolean`);
  if (errors.length > 0 || target === undefined) return { ok: false, errors };
  const requestRedirect: readonly TemplatePart[] =
    redirectText === undefined ? [{ variable: 'request_uri' }] : [{ text: redirectText }];
  const policy: ExternalAuthPolicy = {
    origin: target.origin,
    path: target.path,
    host: target.host,
    ...(method === undefined ? {} : { method }),
    ...(signin === undefined ? {} : { signin }),
    responseHeaders,
    requestRedirect,
    proxySetHeaders,
    alwaysSetCookie: alwaysSetCookie === true,
    exceptPaths,
    ...(cacheKey === undefined || durations === undefined
      ? {}
      : { cache: { key: cacheKey, durations } }),
  };
  return { ok: true, policy };
}

type Fail = (field: keyof ExternalAuthFields, reason: string) => void;

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}...` : value);
}

function textOk(value: string, allowed: RegExp): boolean {
  return value.length <= MAX_LENGTH && allowed.test(value);
}

/**
 * auth-url: `http(s)://host[:port]` and a path that may name nginx variables. The host and port
 * are literal, or `$host` (the request's host, which routing matched to this Ingress): no other
 * variable may steer the auth request to a host of a client's choosing.
 */
function authTarget(
  value: string,
  fail: Fail,
):
  | {
      origin: readonly TemplatePart[];
      host: readonly TemplatePart[];
      path: readonly TemplatePart[];
    }
  | undefined {
  if (value === '') {
    fail('url', 'it is empty');
    return;
  }
  if (!textOk(value, URL_TEXT)) {
    fail('url', `${quote(value)} holds characters a URL here may not`);
    return;
  }
  const match = /^(https?):\/\/([^/?]*)(.*)$/i.exec(value);
  if (match === null) {
    fail('url', `${quote(value)} is not an http:// or https:// URL`);
    return;
  }
  const [, scheme = '', authority = '', rest = ''] = match;
  const hostParts = parseNginxVariables(authority);
  if (
    authority === '' ||
    authority.includes('..') ||
    !hostParts.ok ||
    hostParts.parts.some((part) => 'variable' in part && part.variable !== 'host')
  ) {
    fail('url', `${quote(value)}: its host and port must be literal, or $host`);
    return;
  }
  // The authority checked with a stand-in for $host: a name, an optional port, nothing else.
  const standIn = hostParts.parts.map((part) => ('text' in part ? part.text : 'host.invalid'));
  let parsed: URL;
  try {
    parsed = new URL(`${scheme.toLowerCase()}://${standIn.join('')}`);
  } catch {
    fail('url', `${quote(value)} has no valid host`);
    return;
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.hostname === '') {
    fail('url', `${quote(value)} has no valid host`);
    return;
  }
  const path = parseNginxVariables(rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest);
  if (!path.ok) {
    fail('url', `${quote(value)}: ${path.reason}`);
    return;
  }
  const literal = !hostParts.parts.some((part) => 'variable' in part);
  // A literal origin in the URL standard's spelling (lower case, no default port).
  const origin: readonly TemplatePart[] = literal
    ? [{ text: parsed.origin }]
    : [{ text: `${scheme.toLowerCase()}://` }, ...hostParts.parts];
  const hostname = authority.replace(/:\d*$/, '');
  const hostnameParts = parseNginxVariables(hostname);
  const host: readonly TemplatePart[] = literal
    ? [{ text: parsed.hostname }]
    : hostnameParts.ok
      ? hostnameParts.parts
      : [{ variable: 'host' }];
  return { origin, host, path: path.parts };
}

/**
 * auth-signin with the redirect parameter appended as ingress-nginx's buildAuthSignURL does:
 * `?rd=` (or `&rd=`) and `$pass_access_scheme://$http_host$escaped_request_uri`, unless the URL
 * already gives the parameter a value.
 */
function signinOf(value: string, param: string, fail: Fail): readonly TemplatePart[] | undefined {
  if (!textOk(value, URL_TEXT)) {
    fail('signin', `${quote(value)} holds characters a URL here may not`);
    return;
  }
  if (!/^https?:\/\/[^/?]+/i.test(value) && !value.startsWith('/')) {
    fail('signin', `${quote(value)} is neither an http(s) URL nor a path`);
    return;
  }
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) {
    fail('signin', `${quote(value)}: ${parsed.reason}`);
    return;
  }
  const mark = value.indexOf('?');
  const query = mark < 0 ? '' : value.slice(mark + 1);
  if (query !== '' && (new URLSearchParams(query).get(param) ?? '') !== '') return parsed.parts;
  const joiner = query === '' ? (mark < 0 ? '?' : '') : '&';
  const parts = [...parsed.parts];
  const last = parts.at(-1);
  const glue = `${joiner}${param}=`;
  // Adjacent text is one part, so that the IR stays canonical.
  if (last !== undefined && 'text' in last) parts[parts.length - 1] = { text: last.text + glue };
  else parts.push({ text: glue });
  return [
    ...parts,
    { variable: 'pass_access_scheme' },
    { text: '://' },
    { variable: 'http_host' },
    { variable: 'escaped_request_uri' },
  ];
}

function headerNames(value: string, fail: Fail): readonly string[] {
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (!HEADER_NAME.test(name) || name.length > 256) {
      fail('responseHeaders', `${quote(name)} is not a header name`);
      continue;
    }
    if (!names.some((known) => known.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  if (names.length > MAX_RESPONSE_HEADERS) {
    fail('responseHeaders', `more than ${String(MAX_RESPONSE_HEADERS)} headers`);
  }
  return names;
}

function cacheKeyOf(value: string, fail: Fail): readonly TemplatePart[] | undefined {
  if (!textOk(value, CACHE_KEY)) {
    fail('cacheKey', `${quote(value)} may hold only letters, digits, -, _ and nginx variables`);
    return;
  }
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) {
    fail('cacheKey', `${quote(value)}: ${parsed.reason}`);
    return;
  }
  return parsed.parts;
}

/**
 * auth-cache-duration: comma-separated `[code ...] time` as nginx's proxy_cache_valid, checked
 * as ingress-nginx's ValidCacheDuration (codes before times). Several times add up; `any`
 * stands for every status; a time alone covers 200, 301 and 302, as in nginx.
 */
function cacheDurations(
  value: string,
  fail: Fail,
): readonly ExternalAuthCacheDuration[] | undefined {
  const durations: ExternalAuthCacheDuration[] = [];
  for (const spec of value.split(',')) {
    const tokens = spec
      .trim()
      .split(/\s+/)
      .filter((token) => token !== '');
    if (tokens.length === 0) continue;
    const statuses: number[] = [];
    let any = false;
    let ttlMs = 0;
    let timed = false;
    for (const token of tokens) {
      const duration = DURATION.exec(token);
      if (duration !== null) {
        ttlMs += Number(duration[1]) * (UNIT_MS[duration[2] ?? ''] ?? 0);
        timed = true;
      } else if (!timed && STATUS.test(token)) statuses.push(Number(token));
      else if (!timed && token === 'any') any = true;
      else {
        fail('cacheDuration', `${quote(spec.trim())} is not "[code ...] time"`);
        return;
      }
    }
    if (!timed) {
      fail('cacheDuration', `${quote(spec.trim())} gives no time`);
      return;
    }
    const codes = statuses.length === 0 ? [200, 301, 302] : statuses;
    durations.push({ statuses: any ? 'any' : codes, ttlMs: Math.min(ttlMs, 2 ** 31 - 1) });
  }
  return durations;
}
