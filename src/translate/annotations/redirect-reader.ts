import type { Problem, RouteRedirect, TemplatePart } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { parseNginxVariables } from './nginx-variables.ts';
import { parseRedirectLocation } from './redirect-location.ts';
import type { PolicyRead, PolicyReader } from './route-policies.ts';

const key = (name: string): string => `${INGRESS_NGINX_PREFIX}/${name}`;

const TEMPORAL = key('temporal-redirect');
const TEMPORAL_CODE = key('temporal-redirect-code');
const PERMANENT = key('permanent-redirect');
const PERMANENT_CODE = key('permanent-redirect-code');
const APP_ROOT = key('app-root');

/** The annotations that make a route answer with a redirect (docs/annotations.md). */
export const REDIRECT_ANNOTATIONS = [
  PERMANENT,
  PERMANENT_CODE,
  TEMPORAL,
  TEMPORAL_CODE,
  APP_ROOT,
] as const;

/** One kind of redirect annotation: its URL, its code annotation, and the codes it takes. */
interface RedirectKind {
  readonly url: string;
  readonly code: string;
  readonly defaultCode: number;
  /** ingress-nginx's upper bound: 307 for temporal, 308 for permanent; 300 is the lower. */
  readonly maxCode: number;
}

// ingress-nginx reads temporal-redirect first: when both are set, temporal wins.
const KINDS: readonly RedirectKind[] = [
  { url: TEMPORAL, code: TEMPORAL_CODE, defaultCode: 302, maxCode: 307 },
  { url: PERMANENT, code: PERMANENT_CODE, defaultCode: 301, maxCode: 308 },
];

// app-root: `$scheme://$http_host` then the root, as ingress-nginx's template builds it.
const APP_ROOT_ORIGIN: readonly TemplatePart[] = [
  { variable: 'scheme' },
  { text: '://' },
  { variable: 'http_host' },
];
const PATH_TEXT = /^[A-Za-z0-9\-._~:/@!&'()*+,;=%]*$/;

/**
 * Reads temporal-redirect, permanent-redirect (each with its code) and app-root into the one
 * redirect a route answers with. An empty value counts as absent, as in ingress-nginx. A URL
 * pointsman does not accept is ignored with an `IgnoredAnnotation` problem and the next
 * annotation is read as if it were absent; a code that is not a number in the kind's range
 * falls back to the default (ingress-nginx does so silently; pointsman says so).
 */
export const readRedirect: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  let redirect: RouteRedirect | null = null;
  for (const kind of KINDS) {
    const value = annotations[kind.url] ?? '';
    if (value === '') continue;
    const location = parseRedirectLocation(value);
    if (typeof location === 'string') {
      problems.push(ignored(kind.url, value, location));
      continue;
    }
    const code = codeOf(annotations, kind, problems);
    redirect = { code, location: absolute(location), onlyRoot: false };
    break;
  }
  const appRoot = annotations[APP_ROOT] ?? '';
  if (appRoot !== '') {
    if (redirect !== null) {
      const why = `has no effect alongside ${redirectName(annotations)}, which redirects every request`;
      problems.push({
        code: 'IgnoredAnnotation',
        field: field(APP_ROOT),
        message: `${APP_ROOT} ${why}`,
      });
    } else {
      const root = parseAppRoot(appRoot);
      if (typeof root === 'string') problems.push(ignored(APP_ROOT, appRoot, root));
      else redirect = { code: 302, location: [...APP_ROOT_ORIGIN, ...root], onlyRoot: true };
    }
  }
  return redirectRead(redirect, problems);
};

/**
 * A path target made absolute with the request's scheme and host (without its port), as nginx
 * does with ingress-nginx's defaults (`absolute_redirect on`, `port_in_redirect off`).
 */
export function absolute(location: readonly TemplatePart[]): readonly TemplatePart[] {
  const [first, ...rest] = location;
  if (first === undefined || !('text' in first) || !first.text.startsWith('/')) return location;
  return [{ variable: 'scheme' }, { text: '://' }, { variable: 'host' }, first, ...rest];
}

function redirectRead(redirect: RouteRedirect | null, problems: Problem[]): PolicyRead {
  return { policies: redirect === null ? {} : { redirect }, problems };
}

function redirectName(annotations: Readonly<Record<string, string>>): string {
  return (annotations[TEMPORAL] ?? '') !== '' ? TEMPORAL : PERMANENT;
}

/** The code of a redirect: Go's strconv.Atoi syntax, in 300..maxCode, or the default. */
function codeOf(
  annotations: Readonly<Record<string, string>>,
  kind: RedirectKind,
  problems: Problem[],
): number {
  const value = annotations[kind.code];
  if (value === undefined || value === '') return kind.defaultCode;
  const code = /^[+-]?[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (code >= 300 && code <= kind.maxCode) return code;
  const range = `300-${String(kind.maxCode)}`;
  const why = Number.isNaN(code) ? 'is not a number' : `is not in ${range}`;
  problems.push({
    code: 'IgnoredAnnotation',
    field: field(kind.code),
    message: `${kind.code}: ${JSON.stringify(value.slice(0, 40))} ${why}; the redirect uses ${String(kind.defaultCode)}, as ingress-nginx does`,
  });
  return kind.defaultCode;
}

/**
 * app-root must be a path (ingress-nginx refuses an absolute URL there); it may name variables.
 * Only path characters: the query of the original request is not carried over.
 */
function parseAppRoot(value: string): readonly TemplatePart[] | string {
  if (!value.startsWith('/')) return 'the value is not a path starting with /';
  if (value.length > 1024) return 'the value is longer than 1024 characters';
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) return parsed.reason;
  for (const part of parsed.parts) {
    if ('text' in part && !PATH_TEXT.test(part.text)) {
      return 'the value may hold only path characters (no spaces, ?, #, control or non-ASCII characters)';
    }
  }
  return parsed.parts;
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
