import { re2js, type CorsPolicy, type Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const key = (name: string): string => `${INGRESS_NGINX_PREFIX}/${name}`;

const ENABLE = key('enable-cors');
const ORIGIN = key('cors-allow-origin');
const METHODS = key('cors-allow-methods');
const HEADERS = key('cors-allow-headers');
const EXPOSE = key('cors-expose-headers');
const CREDENTIALS = key('cors-allow-credentials');
const MAX_AGE = key('cors-max-age');

/** The annotations of the CORS group (docs/annotations.md#cors). */
export const CORS_ANNOTATIONS = [
  ENABLE,
  ORIGIN,
  METHODS,
  HEADERS,
  EXPOSE,
  CREDENTIALS,
  MAX_AGE,
] as const;

/** ingress-nginx v1.15.1's defaults (internal/ingress/annotations/cors/main.go). */
export const CORS_DEFAULTS: CorsPolicy = Object.freeze({
  allowOrigins: Object.freeze(['*']),
  allowMethods: 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
  allowHeaders:
    'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  exposeHeaders: '',
  allowCredentials: true,
  maxAge: 1_728_000,
});

// ingress-nginx's validators, except that where it allows any whitespace (`\s`), only a space is
// taken here: a value ends up in a response header, where a tab or line break has no place.
// RE2 (linear time, as Go's regexp): their nested repetitions would make a backtracking engine
// take exponential time on a crafted value.
/** A pattern matched against a whole value. */
type WholeMatch = { readonly matches: (value: string) => boolean };
const re2 = (pattern: string): WholeMatch => re2js().compile(pattern);
// The whole cors-allow-origin value, spaces removed first (as ingress-nginx does).
const ORIGIN_LIST = re2(
  String.raw`^((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+)|\*)?$`,
);
// One origin of the list, once trimmed.
const ORIGIN_ENTRY = re2(String.raw`^([a-z]+://(\*\.)?[A-Za-z0-9\-.]*(:\d+)?|\*|null)$`);
const METHOD_LIST = re2(String.raw`^([A-Za-z]+,? ?)+$`);
const HEADER_LIST = re2(String.raw`^[A-Za-z0-9\-_, ]*$`);
const EXPOSE_LIST = re2(String.raw`^(([A-Za-z0-9\-_]+|\*),? ?)+$`);

/**
 * Reads enable-cors and the cors-* annotations into the route's CORS policy, as ingress-nginx
 * v1.15.1 parses them: nothing unless enable-cors is true; every other value defaults when
 * absent, and falls back to its default when invalid (ingress-nginx does so with a log line;
 * pointsman reports an `IgnoredAnnotation` problem naming the value). Origins of the list that
 * do not parse are skipped, each with a problem. cors-* without enable-cors are reported as
 * having no effect.
 */
export const readCors: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const enable = annotations[ENABLE];
  const enabled = enable === undefined ? false : goBool(enable);
  if (enabled === null) {
    problems.push(ignored(ENABLE, enable ?? '', 'not a boolean; CORS stays off'));
  }
  if (enabled !== true) {
    for (const name of CORS_ANNOTATIONS.slice(1)) {
      if (annotations[name] !== undefined) {
        problems.push({
          code: 'IgnoredAnnotation',
          field: field(name),
          message: `${name} has no effect without ${ENABLE}: "true"`,
        });
      }
    }
    return { policies: {}, problems };
  }
  const d = CORS_DEFAULTS;
  const cors: CorsPolicy = {
    allowOrigins: originsOf(annotations[ORIGIN], problems),
    allowMethods: listOf(annotations, METHODS, METHOD_LIST, d.allowMethods, problems),
    allowHeaders: listOf(annotations, HEADERS, HEADER_LIST, d.allowHeaders, problems),
    exposeHeaders: listOf(annotations, EXPOSE, EXPOSE_LIST, d.exposeHeaders, problems),
    allowCredentials: credentialsOf(annotations[CREDENTIALS], problems),
    maxAge: maxAgeOf(annotations[MAX_AGE], problems),
  };
  return { policies: { cors }, problems };
};

function originsOf(value: string | undefined, problems: Problem[]): readonly string[] {
  if (value === undefined || value.trim() === '') return CORS_DEFAULTS.allowOrigins;
  if (!ORIGIN_LIST.matches(value.replaceAll(' ', ''))) {
    problems.push(ignored(ORIGIN, value, 'not a list of origins; "*" applies'));
    return CORS_DEFAULTS.allowOrigins;
  }
  const origins: string[] = [];
  for (const raw of value.split(',')) {
    const origin = raw.trim();
    if (origin === '') continue;
    if (origin === '*') return CORS_DEFAULTS.allowOrigins;
    if (!ORIGIN_ENTRY.matches(origin)) {
      problems.push(
        ignored(
          ORIGIN,
          origin,
          'not an origin (scheme://host[:port], scheme://*.host, null); skipped',
        ),
      );
      continue;
    }
    origins.push(origin);
  }
  return origins;
}

function listOf(
  annotations: Readonly<Record<string, string>>,
  name: string,
  pattern: WholeMatch,
  fallback: string,
  problems: Problem[],
): string {
  const value = annotations[name];
  if (value === undefined) return fallback;
  if (value.trim() === '' || !pattern.matches(value)) {
    problems.push(
      ignored(
        name,
        value,
        `not a valid list; ${fallback === '' ? 'none is sent' : JSON.stringify(fallback)} applies`,
      ),
    );
    return fallback;
  }
  return value;
}

function credentialsOf(value: string | undefined, problems: Problem[]): boolean {
  if (value === undefined) return CORS_DEFAULTS.allowCredentials;
  const parsed = goBool(value);
  if (parsed !== null) return parsed;
  problems.push(ignored(CREDENTIALS, value, 'not a boolean; true applies'));
  return CORS_DEFAULTS.allowCredentials;
}

function maxAgeOf(value: string | undefined, problems: Problem[]): number {
  if (value === undefined) return CORS_DEFAULTS.maxAge;
  // Go's strconv.Atoi: an optional sign and decimal digits.
  const parsed = /^[+-]?[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(parsed)) return parsed;
  problems.push(
    ignored(MAX_AGE, value, `not a whole number; ${String(CORS_DEFAULTS.maxAge)} applies`),
  );
  return CORS_DEFAULTS.maxAge;
}

/** Go's strconv.ParseBool, which ingress-nginx reads booleans with; null when it fails. */
function goBool(value: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return null;
}

function field(annotation: string): string {
  return `metadata.annotations[${annotation}]`;
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: field(annotation),
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
