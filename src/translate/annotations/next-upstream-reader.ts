import type { Problem, RetryCondition, RetryPolicy } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const NEXT_UPSTREAM = `${INGRESS_NGINX_PREFIX}/proxy-next-upstream`;
const TRIES = `${INGRESS_NGINX_PREFIX}/proxy-next-upstream-tries`;
const TIMEOUT = `${INGRESS_NGINX_PREFIX}/proxy-next-upstream-timeout`;

/** The annotations that say when a failed attempt goes to another endpoint. */
export const NEXT_UPSTREAM_ANNOTATIONS = [NEXT_UPSTREAM, TRIES, TIMEOUT] as const;

const CONDITIONS: ReadonlySet<string> = new Set<RetryCondition>([
  'error',
  'timeout',
  'invalid_header',
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_403',
  'http_404',
  'http_429',
  'non_idempotent',
]);

// ingress-nginx reads both numbers with Go's strconv.Atoi.
const WHOLE = /^[+-]?\d{1,12}$/;
const MAX_TRIES = 100;
// Node runs a timer of more than 2^31-1 ms at once.
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Reads proxy-next-upstream (nginx's `proxy_next_upstream` conditions, space-separated, or
 * `off`), proxy-next-upstream-tries (attempts in all, 0: one per endpoint) and
 * proxy-next-upstream-timeout (whole seconds, 0: no bound). Each annotation is read on its
 * own; a value pointsman does not accept is ignored with an `IgnoredAnnotation` problem and
 * the proxy's default applies, as ingress-nginx falls back to its ConfigMap's.
 */
export const readNextUpstream: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const retry: { -readonly [K in keyof RetryPolicy]: RetryPolicy[K] } = {};
  const conditions = (annotations[NEXT_UPSTREAM] ?? '').trim();
  if (conditions !== '') {
    const on = parseConditions(conditions);
    if (typeof on === 'string') problems.push(ignored(NEXT_UPSTREAM, conditions, on));
    else retry.on = on;
  }
  const tries = (annotations[TRIES] ?? '').trim();
  if (tries !== '') {
    const count = parseWhole(tries, MAX_TRIES, 'tries');
    if (typeof count === 'number') retry.tries = count;
    else problems.push(ignored(TRIES, tries, count));
  }
  const timeout = (annotations[TIMEOUT] ?? '').trim();
  if (timeout !== '') {
    const seconds = parseWhole(timeout, MAX_SECONDS, 'seconds');
    if (typeof seconds === 'number') retry.timeoutMs = seconds * 1000;
    else problems.push(ignored(TIMEOUT, timeout, seconds));
  }
  return { policies: Object.keys(retry).length === 0 ? {} : { retry }, problems };
};

/**
 * Parses proxy-next-upstream's conditions (space-separated, or `off`): the list, or what is
 * wrong with it. Also reads `serve --proxy-next-upstream`.
 */
export function parseConditions(value: string): RetryCondition[] | string {
  const tokens = value.split(/\s+/);
  if (tokens.includes('off')) {
    return tokens.length === 1 ? [] : '`off` cannot be combined with other conditions';
  }
  const unknown = tokens.filter((token) => !CONDITIONS.has(token));
  if (unknown.length > 0) {
    return `unknown condition ${unknown.map((token) => JSON.stringify(token.slice(0, 40))).join(', ')}; known: ${[...CONDITIONS].join(', ')}, off`;
  }
  return [...new Set(tokens as RetryCondition[])];
}

function parseWhole(value: string, max: number, unit: string): number | string {
  if (!WHOLE.test(value)) return `the value is not a whole number of ${unit}`;
  const number = Number(value);
  if (number < 0) return 'the value must not be negative';
  if (number > max) return `the value must be at most ${String(max)}`;
  return number;
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
