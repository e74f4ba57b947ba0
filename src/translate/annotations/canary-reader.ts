import {
  patternProblem,
  type CanaryHeaderRule,
  type CanaryRoute,
  type Problem,
} from '../../ir/index.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';
import { INGRESS_NGINX_PREFIX, POINTSMAN_PREFIX } from './audit-annotations.ts';
import { canaryBehaviorOf } from './affinity-reader.ts';
import { readBalancing } from './balancing-reader.ts';
import { INGRESS_NGINX_ANNOTATIONS } from './catalogue.ts';
import type { PolicyReader } from './route-policies.ts';
import { serviceUpstreamOf } from './service-upstream.ts';

const CANARY = `${INGRESS_NGINX_PREFIX}/canary`;
const BY_HEADER = `${INGRESS_NGINX_PREFIX}/canary-by-header`;
const BY_HEADER_VALUE = `${INGRESS_NGINX_PREFIX}/canary-by-header-value`;
const BY_HEADER_PATTERN = `${INGRESS_NGINX_PREFIX}/canary-by-header-pattern`;
const BY_COOKIE = `${INGRESS_NGINX_PREFIX}/canary-by-cookie`;
const WEIGHT = `${INGRESS_NGINX_PREFIX}/canary-weight`;
const WEIGHT_TOTAL = `${INGRESS_NGINX_PREFIX}/canary-weight-total`;

/** The annotations that configure a canary (they mean nothing without `canary: "true"`). */
export const CANARY_RULE_ANNOTATIONS = [
  BY_HEADER,
  BY_HEADER_VALUE,
  BY_HEADER_PATTERN,
  BY_COOKIE,
  WEIGHT,
  WEIGHT_TOTAL,
] as const;

/**
 * The annotations ingress-nginx honours on a canary Ingress besides the canary ones: those of
 * the canary's upstream (load-balance, upstream-hash-by, service-upstream), and
 * affinity-canary-behavior, read by the sticky sessions of the main route. Every other one is
 * ignored there, since the location (and the server) belong to the main Ingress.
 */
const HONOURED_ON_CANARY: ReadonlySet<string> = new Set([
  'canary',
  'canary-by-header',
  'canary-by-header-value',
  'canary-by-header-pattern',
  'canary-by-cookie',
  'canary-weight',
  'canary-weight-total',
  'load-balance',
  'upstream-hash-by',
  'upstream-hash-by-subset',
  'upstream-hash-by-subset-size',
  'service-upstream',
  'affinity-canary-behavior',
]);

// ingress-nginx's validators (annotations/parser/validators.go): BasicChars for the header,
// its value and the cookie (checked with spaces removed), IsValidRegex for the pattern.
const BASIC_CHARS = /^[/\-._~a-zA-Z0-9:]*$/;
const REGEX_CHARS = /^[/\-._~a-zA-Z0-9:^$[\](){}*+?|&=\\]*$/;
const DEFAULT_WEIGHT_TOTAL = 100;

/** What a canary Ingress's annotations ask of the routes it attaches to. */
export interface CanaryRead {
  /** The selection rules and the canary's balancing; the backend and source come later. */
  readonly rules: Omit<CanaryRoute, 'backend' | 'source'>;
  /** `service-upstream` of the canary: its backend is reached through the cluster IP. */
  readonly serviceUpstream: boolean;
  readonly problems: readonly Problem[];
}

/**
 * Reads the canary annotations of an Ingress with `canary: "true"` (canonical spelling), as
 * ingress-nginx's canary parser and balancer.lua take them: a value its validator refuses is
 * ignored (with a problem) and the rule is left out; a bad weight counts as 0, a bad total as
 * 100. Never throws.
 */
export function readCanary(annotations: Readonly<Record<string, string>>): CanaryRead {
  const problems: Problem[] = [];
  const text = (key: string, valid: RegExp, removeSpaces: boolean): string => {
    const raw = annotations[key];
    if (raw === undefined) return '';
    // ingress-nginx trims each line; the validator sees the value without spaces.
    const value = raw
      .split('\n')
      .map((line) => line.trim())
      .join('\n');
    const checked = removeSpaces ? value.replaceAll(' ', '') : value;
    if (value === '') return '';
    if (!valid.test(checked) || /[\r\n]/.test(checked)) {
      problems.push(ignored(key, raw, 'it has characters ingress-nginx does not accept'));
      return '';
    }
    return value;
  };
  const headerName = text(BY_HEADER, BASIC_CHARS, true);
  const headerValue = text(BY_HEADER_VALUE, BASIC_CHARS, true);
  const headerPattern = text(BY_HEADER_PATTERN, REGEX_CHARS, false);
  const cookie = text(BY_COOKIE, BASIC_CHARS, true);
  const weight = integer(annotations, WEIGHT, 0, problems);
  const total = integer(annotations, WEIGHT_TOTAL, DEFAULT_WEIGHT_TOTAL, problems);
  if (annotations[WEIGHT_TOTAL] !== undefined && total < DEFAULT_WEIGHT_TOTAL) {
    const why = `ingress-nginx's balancer draws from 1 to 100 when the total is not above 100, and so does pointsman`;
    problems.push(ignored(WEIGHT_TOTAL, annotations[WEIGHT_TOTAL], why));
  }
  let header: CanaryHeaderRule | undefined;
  if (headerName !== '') {
    header = headerRule(headerName, headerValue, headerPattern, problems);
  } else {
    for (const [key, value] of [
      [BY_HEADER_VALUE, headerValue],
      [BY_HEADER_PATTERN, headerPattern],
    ] as const) {
      if (value !== '') problems.push(ignored(key, value, `it has no effect without ${BY_HEADER}`));
    }
  }
  const balancing = readBalancing(annotations);
  problems.push(...balancing.problems);
  const upstream = serviceUpstreamOf(annotations);
  problems.push(...upstream.problems);
  const rules = {
    ...(header === undefined ? {} : { header }),
    // nginx's $cookie_NAME compares names without regard to case.
    ...(cookie === '' ? {} : { cookie: cookie.toLowerCase() }),
    weight,
    weightTotal: Math.max(total, DEFAULT_WEIGHT_TOTAL),
    ...(balancing.policies.balance === undefined ? {} : { balance: balancing.policies.balance }),
    ...(canaryBehaviorOf(annotations) === 'legacy'
      ? { affinityCanaryBehavior: 'legacy' as const }
      : {}),
  };
  return { rules, serviceUpstream: upstream.serviceUpstream, problems };
}

function headerRule(
  name: string,
  value: string,
  pattern: string,
  problems: Problem[],
): CanaryHeaderRule {
  // nginx's $http_NAME: lower case, `_` standing for `-`.
  const header = name.toLowerCase().replaceAll('_', '-');
  if (value !== '') {
    if (pattern !== '') {
      problems.push(ignored(BY_HEADER_PATTERN, pattern, `${BY_HEADER_VALUE} takes precedence`));
    }
    return { name: header, match: 'value', value };
  }
  if (pattern === '') return { name: header, match: 'always-never' };
  const refused = patternProblem(pattern);
  if (refused === null) return { name: header, match: 'pattern', pattern };
  problems.push(
    ignored(
      BY_HEADER_PATTERN,
      pattern,
      `it is not a pattern RE2 accepts (${refused}); a request with the header goes to the main backend, as when ingress-nginx's regex fails`,
    ),
  );
  return { name: header, match: 'unusable-pattern' };
}

/** Go's strconv.Atoi, as ingress-nginx reads the weights; `fallback` when absent or bad. */
function integer(
  annotations: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
  problems: Problem[],
): number {
  const raw = annotations[key];
  if (raw === undefined) return fallback;
  const value = /^[+-]?[0-9]{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value)) return value;
  problems.push(ignored(key, raw, `it is not an integer; ${String(fallback)} is used`));
  return fallback;
}

/**
 * The problems of a canary Ingress's other annotations: one `IgnoredOnCanary` for each known
 * ingress-nginx (or pointsman) annotation that ingress-nginx does not apply on a canary, whose
 * requests are served by the main Ingress's route with the main Ingress's annotations.
 */
export function ignoredOnCanary(annotations: Readonly<Record<string, string>>): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(annotations).sort()) {
    const slash = key.indexOf('/');
    const prefix = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const known =
      (prefix === INGRESS_NGINX_PREFIX && INGRESS_NGINX_ANNOTATIONS.has(name)) ||
      prefix === POINTSMAN_PREFIX;
    if (!known || (prefix === INGRESS_NGINX_PREFIX && HONOURED_ON_CANARY.has(name))) continue;
    problems.push({
      code: 'IgnoredOnCanary',
      field: `metadata.annotations[${key}]`,
      message: `${key} is ignored on a canary Ingress, as in ingress-nginx: its requests are served by the main Ingress's route, with the main Ingress's annotations`,
    });
  }
  return problems;
}

/**
 * For an Ingress that is not a canary: `canary` with a value that is not a boolean, and canary
 * rules without `canary: "true"`, which ingress-nginx ignores ("configured but not enabled").
 */
export const readCanaryMisuse: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const canary = annotations[CANARY];
  if (canary !== undefined && !TRUE.has(canary) && !FALSE.has(canary)) {
    problems.push(ignored(CANARY, canary, 'it is not a boolean; the Ingress is not a canary'));
  }
  if (canary === undefined || !TRUE.has(canary)) {
    for (const key of CANARY_RULE_ANNOTATIONS) {
      const value = annotations[key];
      if (value === undefined) continue;
      problems.push(ignored(key, value, `it has no effect without ${CANARY}: "true"`));
    }
  }
  return { policies: {}, problems };
};

function ignored(key: string, value: string | undefined, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${key}]`,
    message: `${JSON.stringify((value ?? '').slice(0, 80))} is ignored: ${why}`,
  };
}
