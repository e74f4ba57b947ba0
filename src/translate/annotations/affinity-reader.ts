import type { AffinityPolicy, Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const key = (name: string): string => `${INGRESS_NGINX_PREFIX}/${name}`;
const AFFINITY = key('affinity');
const MODE = key('affinity-mode');
const CANARY_BEHAVIOR = key('affinity-canary-behavior');
const NAME = key('session-cookie-name');
const PATH = key('session-cookie-path');
const DOMAIN = key('session-cookie-domain');
const MAX_AGE = key('session-cookie-max-age');
const EXPIRES = key('session-cookie-expires');
const SECURE = key('session-cookie-secure');
const SAMESITE = key('session-cookie-samesite');
const CONDITIONAL = key('session-cookie-conditional-samesite-none');
const CHANGE_ON_FAILURE = key('session-cookie-change-on-failure');

/** The annotations of sticky sessions, all read by {@link readAffinity}. */
export const AFFINITY_ANNOTATIONS = [
  AFFINITY,
  MODE,
  CANARY_BEHAVIOR,
  NAME,
  PATH,
  DOMAIN,
  MAX_AGE,
  EXPIRES,
  SECURE,
  SAMESITE,
  CONDITIONAL,
  CHANGE_ON_FAILURE,
] as const;

const DEFAULT_NAME = 'INGRESSCOOKIE';
// ingress-nginx's BasicCharsRegex (name, domain) and URLIsValidRegex (path): none of them can
// end an attribute of the Set-Cookie header (no `;`, `,` only in the path, no spaces).
const BASIC_CHARS = /^[-._~a-zA-Z0-9/:]+$/;
const URL_CHARS = /^\/[-._~a-zA-Z0-9/:,?&=]*$/;
// ingress-nginx's affinityCookieExpiresRegex, anchored as it means to be: a whole number.
const SECONDS = /^(0|-?[1-9]\d{0,9})$/;
const MAX_TEXT = 1024;
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const SAME_SITE: Readonly<Record<string, 'None' | 'Lax' | 'Strict'>> = {
  none: 'None',
  lax: 'Lax',
  strict: 'Strict',
};

/**
 * Reads `affinity: cookie` and its settings into an {@link AffinityPolicy}, with
 * ingress-nginx's defaults (mode `balanced`, canary behaviour `sticky`, cookie `INGRESSCOOKIE`).
 * As there, a value that does not pass its check is left out and its default applies; pointsman
 * also says so in an `IgnoredAnnotation` problem. Sticky sessions are not access control: a bad
 * value never makes the Ingress fail closed.
 */
export const readAffinity: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const text = (name: string): string => (annotations[name] ?? '').trim();
  const affinity = text(AFFINITY);
  if (affinity !== 'cookie') {
    if (affinity !== '') {
      problems.push(ignored(AFFINITY, affinity, 'the only affinity type is cookie'));
    }
    for (const name of AFFINITY_ANNOTATIONS.slice(1)) {
      const value = text(name);
      if (value !== '')
        problems.push(ignored(name, value, `it has no effect without ${AFFINITY}: cookie`));
    }
    return { policies: {}, problems };
  }
  const choice = <T extends string>(name: string, options: readonly T[], fallback: T): T => {
    const value = text(name);
    if (value === '') return fallback;
    if ((options as readonly string[]).includes(value)) return value as T;
    problems.push(
      ignored(name, value, `the value is not ${options.join(' or ')}; ${fallback} applies`),
    );
    return fallback;
  };
  const checked = (name: string, pattern: RegExp, what: string): string | undefined => {
    const value = text(name);
    if (value === '') return undefined;
    if (value.length <= MAX_TEXT && pattern.test(value)) return value;
    problems.push(ignored(name, value, what));
    return undefined;
  };
  const seconds = (name: string): number | undefined => {
    const value = checked(name, SECONDS, 'the value is not a whole number of seconds');
    return value === undefined ? undefined : Number(value);
  };
  const flag = (name: string): true | undefined => {
    const value = text(name);
    if (value === '' || FALSE.has(value)) return undefined;
    if (TRUE.has(value)) return true;
    problems.push(ignored(name, value, 'the value is not true or false'));
    return undefined;
  };
  const charsNote = 'it may hold only letters, digits and - . _ ~ / :';
  const path = checked(
    PATH,
    URL_CHARS,
    'it must be a path: / then letters, digits and - . _ ~ / : , ? & =',
  );
  const sameSiteText = text(SAMESITE);
  const sameSite = SAME_SITE[sameSiteText.toLowerCase()];
  if (sameSiteText !== '' && sameSite === undefined) {
    problems.push(ignored(SAMESITE, sameSiteText, 'the value is not None, Lax or Strict'));
  }
  // ingress-nginx picks the sticky balancer over load-balance and upstream-hash-by.
  for (const name of [key('upstream-hash-by'), key('load-balance')]) {
    const value = text(name);
    if (value !== '') problems.push(ignored(name, value, `${AFFINITY}: cookie takes precedence`));
  }
  if (path === undefined && usesRegex(annotations)) {
    problems.push({
      code: 'IgnoredAnnotation',
      field: `metadata.annotations[${PATH}]`,
      message: `${PATH} should be set when the paths are regular expressions (use-regex, rewrite-target): the cookie's Path is the literal start of the route's pattern`,
    });
  }
  const policy: AffinityPolicy = {
    mode: choice(MODE, ['balanced', 'persistent'], 'balanced'),
    canaryBehavior: choice(CANARY_BEHAVIOR, ['sticky', 'legacy'], 'sticky'),
    cookieName: checked(NAME, BASIC_CHARS, charsNote) ?? DEFAULT_NAME,
    ...optional('path', path),
    ...optional('domain', checked(DOMAIN, BASIC_CHARS, charsNote)),
    ...optional('maxAgeSeconds', seconds(MAX_AGE)),
    ...optional('expiresSeconds', seconds(EXPIRES)),
    ...optional('secure', flag(SECURE)),
    ...optional('sameSite', sameSite),
    ...optional('conditionalSameSiteNone', flag(CONDITIONAL)),
    ...optional('changeOnFailure', flag(CHANGE_ON_FAILURE)),
  };
  return { policies: { affinity: policy }, problems };
};

/**
 * `affinity-canary-behavior` of a canary Ingress: ingress-nginx reads it there (whatever its
 * `affinity`), and a sticky canary shares the main Ingress's sticky sessions. `sticky` unless
 * the value is `legacy`.
 */
export function canaryBehaviorOf(
  annotations: Readonly<Record<string, string>>,
): 'sticky' | 'legacy' {
  return (annotations[CANARY_BEHAVIOR] ?? '').trim() === 'legacy' ? 'legacy' : 'sticky';
}

function usesRegex(annotations: Readonly<Record<string, string>>): boolean {
  return (
    TRUE.has((annotations[key('use-regex')] ?? '').trim()) ||
    (annotations[key('rewrite-target')] ?? '').trim() !== ''
  );
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
