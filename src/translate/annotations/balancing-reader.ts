import type { Problem, RouteBalance } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { parseNginxVariables } from './nginx-variables.ts';
import type { PolicyReader } from './route-policies.ts';

const LOAD_BALANCE = `${INGRESS_NGINX_PREFIX}/load-balance`;
const HASH_BY = `${INGRESS_NGINX_PREFIX}/upstream-hash-by`;
const SUBSET = `${INGRESS_NGINX_PREFIX}/upstream-hash-by-subset`;
const SUBSET_SIZE = `${INGRESS_NGINX_PREFIX}/upstream-hash-by-subset-size`;

/** The annotations that choose how a route picks among its backend's endpoints. */
export const BALANCING_ANNOTATIONS = [LOAD_BALANCE, HASH_BY, SUBSET, SUBSET_SIZE] as const;

// ingress-nginx's own check of upstream-hash-by (upstreamhashby/main.go).
const HASH_BY_TEXT = /^[A-Za-z0-9\-_${}]*$/;
const MAX_LENGTH = 1024;
const DEFAULT_SUBSET_SIZE = 3;
const MAX_SUBSET_SIZE = 1000;
// Go's strconv.ParseBool, as ingress-nginx reads booleans.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Reads load-balance (`round_robin`, the default, or `ewma`) and upstream-hash-by (a key of
 * nginx variables for consistent hashing), with upstream-hash-by-subset and
 * upstream-hash-by-subset-size (default 3). As in ingress-nginx, upstream-hash-by takes
 * precedence over load-balance. A value pointsman does not accept is ignored with an
 * `IgnoredAnnotation` problem, and the route keeps round robin.
 */
export const readBalancing: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const hashBy = (annotations[HASH_BY] ?? '').trim();
  const method = (annotations[LOAD_BALANCE] ?? '').trim();
  let balance: RouteBalance | undefined;
  const key = hashBy === '' ? null : parseKey(hashBy);
  if (typeof key === 'string') problems.push(ignored(HASH_BY, hashBy, key));
  if (key !== null && typeof key !== 'string') {
    balance = withSubset(key, annotations, problems);
  } else {
    for (const annotation of [SUBSET, SUBSET_SIZE]) {
      const value = (annotations[annotation] ?? '').trim();
      if (value === '') continue;
      problems.push(ignored(annotation, value, `it has no effect without ${HASH_BY}`));
    }
  }
  if (method !== '') {
    if (balance !== undefined) {
      problems.push(
        ignored(LOAD_BALANCE, method, `${HASH_BY} takes precedence, as in ingress-nginx`),
      );
    } else if (method === 'ewma') {
      balance = { method: 'ewma' };
    } else if (method !== 'round_robin') {
      problems.push(ignored(LOAD_BALANCE, method, 'the value is not round_robin or ewma'));
    }
  }
  return { policies: balance === undefined ? {} : { balance }, problems };
};

function parseKey(value: string): (RouteBalance & { method: 'hash' }) | string {
  if (value.length > MAX_LENGTH) return `the value is longer than ${String(MAX_LENGTH)} characters`;
  if (!HASH_BY_TEXT.test(value)) {
    return 'the value may hold only letters, digits, -, _ and nginx variables ($name, ${name})';
  }
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) return parsed.reason;
  return { method: 'hash', key: parsed.parts };
}

function withSubset(
  hash: RouteBalance & { method: 'hash' },
  annotations: Readonly<Record<string, string>>,
  problems: Problem[],
): RouteBalance {
  const subset = (annotations[SUBSET] ?? '').trim();
  const sizeText = (annotations[SUBSET_SIZE] ?? '').trim();
  if (subset !== '' && !TRUE.has(subset) && !FALSE.has(subset)) {
    problems.push(ignored(SUBSET, subset, 'the value is not true or false'));
  }
  if (!TRUE.has(subset)) {
    if (sizeText !== '') {
      problems.push(ignored(SUBSET_SIZE, sizeText, `it has no effect without ${SUBSET}: "true"`));
    }
    return hash;
  }
  if (sizeText === '') return { ...hash, subsetSize: DEFAULT_SUBSET_SIZE };
  const size = /^\+?\d{1,6}$/.test(sizeText) ? Number(sizeText) : NaN;
  // ingress-nginx takes 0 as its default.
  if (size === 0) return { ...hash, subsetSize: DEFAULT_SUBSET_SIZE };
  if (!(size >= 1 && size <= MAX_SUBSET_SIZE)) {
    problems.push(
      ignored(
        SUBSET_SIZE,
        sizeText,
        `the value is not a whole number from 1 to ${String(MAX_SUBSET_SIZE)}; ${String(DEFAULT_SUBSET_SIZE)} applies`,
      ),
    );
    return { ...hash, subsetSize: DEFAULT_SUBSET_SIZE };
  }
  return { ...hash, subsetSize: size };
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
