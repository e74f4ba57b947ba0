import type { Problem } from '../../ir/index.ts';
import {
  ANNOTATION_ALIASES,
  INGRESS_NGINX_ANNOTATIONS,
  LEGACY_ANNOTATIONS,
  type AnnotationEntry,
} from './catalogue.ts';
import { closestName } from './closest-name.ts';
import { snippetDirectives } from './snippet-directives.ts';
import { GO_TRUE as TRUE } from '../go-bool.ts';

/** ingress-nginx's own annotation prefix, and the spelling the annotation readers use. */
export const INGRESS_NGINX_PREFIX = 'nginx.ingress.kubernetes.io';

/** pointsman's own prefix, and the annotations under it. */
export const POINTSMAN_PREFIX = 'pointsman.dev';
const POINTSMAN_NAMES = ['backend-protocol', 'ssl-redirect', 'force-ssl-redirect'];

/** What an Ingress's annotations mean for serving it. */
export interface AnnotationAudit {
  /** One per annotation that is not honoured as written: unknown, unsupported, fail closed. */
  readonly problems: readonly Problem[];
  /** The keys that ask for access control pointsman does not enforce; empty when none. */
  readonly failClosed: readonly string[];
  /** The keys (as written) of annotations that guard access (catalogue's `accessControl`). */
  readonly accessControl: readonly string[];
  /** True for a canary Ingress (`canary: "true"`), whose own routes are not served. */
  readonly canary: boolean;
  /**
   * The annotations as the readers take them: every key under an ingress-nginx prefix spelt
   * `nginx.ingress.kubernetes.io/NAME` with its alias resolved (a key under `--annotations-prefix`
   * wins over the same name under the default prefix), legacy keys mapped, others unchanged.
   */
  readonly canonical: Readonly<Record<string, string>>;
}

/**
 * Gives every annotation under the ingress-nginx prefixes (and pointsman's) one visible state:
 * honoured and moot ones pass silently; unsupported ones get an `UnsupportedAnnotation` problem
 * naming what pointsman does instead; unknown ones an `UnknownAnnotation` problem with the closest
 * known name; access control pointsman does not enforce makes the Ingress fail closed. Pure.
 */
export function auditAnnotations(
  annotations: Readonly<Record<string, string>>,
  prefixes: readonly string[],
): AnnotationAudit {
  const problems: Problem[] = [];
  const failClosed: string[] = [];
  const accessControl: string[] = [];
  const canonical: Record<string, string> = {};
  const fromCustomPrefix = new Set<string>();
  let canary = false;
  for (const [key, value] of Object.entries(annotations)) {
    const slash = key.indexOf('/');
    const prefix = slash < 0 ? '' : key.slice(0, slash);
    const rawName = key.slice(slash + 1);
    if (prefix === POINTSMAN_PREFIX) {
      canonical[key] = value;
      if (!POINTSMAN_NAMES.includes(rawName)) problems.push(unknown(key, rawName, POINTSMAN_NAMES));
      continue;
    }
    if (!prefixes.includes(prefix)) {
      canonical[key] = value;
      continue;
    }
    const name = ANNOTATION_ALIASES.get(rawName) ?? rawName;
    const canonicalKey = `${INGRESS_NGINX_PREFIX}/${name}`;
    const custom = prefix !== INGRESS_NGINX_PREFIX;
    if (custom || !fromCustomPrefix.has(canonicalKey)) canonical[canonicalKey] = value;
    if (custom) fromCustomPrefix.add(canonicalKey);
    const legacy = LEGACY_ANNOTATIONS.get(name);
    if (legacy !== undefined) {
      // Those that map to backend-protocol are honoured by mapLegacy; the others are gone.
      if (legacy.backendProtocol === undefined) problems.push(unsupported(key, legacy.note));
      continue;
    }
    const entry = INGRESS_NGINX_ANNOTATIONS.get(name);
    if (entry === undefined) {
      const closest = closestName(rawName, INGRESS_NGINX_ANNOTATIONS.keys());
      // A misspelt access-control annotation (`auth-typ`) still says its author wants access
      // control: it fails closed like the one it was meant to be.
      if (closest !== null && INGRESS_NGINX_ANNOTATIONS.get(closest)?.accessControl === true) {
        failClosed.push(key);
        accessControl.push(key);
        problems.push(
          failClosedProblem(key, `looks like ${closest}, which asks for access control`),
        );
      } else problems.push(unknown(key, rawName, INGRESS_NGINX_ANNOTATIONS.keys()));
      continue;
    }
    if (entry.name === 'canary') canary ||= TRUE.has(value);
    if (entry.accessControl) accessControl.push(key);
    const outcome = judge(key, value, entry);
    if (outcome.failClosed) failClosed.push(key);
    if (outcome.problem !== null) problems.push(outcome.problem);
  }
  mapLegacy(annotations, prefixes, canonical);
  return {
    problems,
    failClosed: failClosed.sort(),
    accessControl: accessControl.sort(),
    canary,
    canonical,
  };
}

function judge(
  key: string,
  value: string,
  entry: AnnotationEntry,
): { failClosed: boolean; problem: Problem | null } {
  // Snippets are judged by what they hold; their typed subset is read by snippet-reader.ts.
  if (entry.group === 'ConfigurationSnippet' || entry.group === 'ServerSnippet') {
    return judgeSnippet(key, value);
  }
  switch (entry.support) {
    case 'honoured':
    case 'moot':
      return { failClosed: false, problem: null };
    case 'fail-closed':
      return { failClosed: true, problem: failClosedProblem(key, 'asks for access control') };
    case 'unsupported':
      return { failClosed: false, problem: unsupported(key, entry.note) };
  }
}

function judgeSnippet(
  key: string,
  value: string,
): { failClosed: boolean; problem: Problem | null } {
  const { access, unreadable } = snippetDirectives(value);
  if (unreadable !== null) {
    // What a snippet that cannot be read asks for is unknown: it may be access control.
    return { failClosed: true, problem: failClosedProblem(key, `cannot be read (${unreadable})`) };
  }
  if (access.length > 0) {
    const what = `has access directives (${access.join(', ')})`;
    return { failClosed: true, problem: failClosedProblem(key, what) };
  }
  return { failClosed: false, problem: null };
}

function failClosedProblem(key: string, what: string): Problem {
  return {
    code: 'AccessControlNotEnforced',
    field: `metadata.annotations[${key}]`,
    message: `${key} ${what}, which pointsman cannot enforce as written: every path of this Ingress answers 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED instead of being served without it`,
  };
}

function unsupported(key: string, note: string): Problem {
  return {
    code: 'UnsupportedAnnotation',
    field: `metadata.annotations[${key}]`,
    message: `${key} is not supported: ${note}`,
  };
}

function unknown(key: string, name: string, known: Iterable<string>): Problem {
  const closest = closestName(name, known);
  return {
    code: 'UnknownAnnotation',
    field: `metadata.annotations[${key}]`,
    message: `${key} is not a known annotation${closest === null ? '' : `; did you mean ${closest}?`}`,
  };
}

/** `secure-backends` and `grpc-backend`, when true, stand for a backend-protocol not set. */
function mapLegacy(
  annotations: Readonly<Record<string, string>>,
  prefixes: readonly string[],
  canonical: Record<string, string>,
): void {
  const protocolKey = `${INGRESS_NGINX_PREFIX}/backend-protocol`;
  if (Object.hasOwn(canonical, protocolKey)) return;
  for (const prefix of prefixes) {
    for (const [name, legacy] of LEGACY_ANNOTATIONS) {
      const value = annotations[`${prefix}/${name}`];
      if (legacy.backendProtocol !== undefined && value !== undefined && TRUE.has(value)) {
        canonical[protocolKey] = legacy.backendProtocol;
        return;
      }
    }
  }
}
