import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { parseNginxSize } from './nginx-size.ts';
import type { PolicyReader } from './route-policies.ts';

const BODY_SIZE = `${INGRESS_NGINX_PREFIX}/proxy-body-size`;
const CONNECT_TIMEOUT = `${INGRESS_NGINX_PREFIX}/proxy-connect-timeout`;
const READ_TIMEOUT = `${INGRESS_NGINX_PREFIX}/proxy-read-timeout`;
const SEND_TIMEOUT = `${INGRESS_NGINX_PREFIX}/proxy-send-timeout`;

/** The annotations that bound a route's request body and its waits on the upstream. */
export const UPSTREAM_LIMIT_ANNOTATIONS = [
  BODY_SIZE,
  CONNECT_TIMEOUT,
  READ_TIMEOUT,
  SEND_TIMEOUT,
] as const;

type TimeoutField = 'connectTimeoutMs' | 'readTimeoutMs' | 'sendTimeoutMs';

const TIMEOUTS: readonly (readonly [string, TimeoutField])[] = [
  [CONNECT_TIMEOUT, 'connectTimeoutMs'],
  [READ_TIMEOUT, 'readTimeoutMs'],
  [SEND_TIMEOUT, 'sendTimeoutMs'],
];

// ingress-nginx reads the timeouts with Go's strconv.Atoi: whole seconds, no unit.
const SECONDS = /^[+-]?\d{1,12}$/;
// Node runs a timer of more than 2^31-1 ms at once, so longer timeouts cannot be kept.
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Reads proxy-body-size (nginx's client_max_body_size: a size such as `8m`, `0` for no limit)
 * and proxy-connect-timeout, proxy-read-timeout and proxy-send-timeout (whole seconds). Values
 * are trimmed and an empty one counts as absent; a value pointsman does not accept is ignored
 * with an `IgnoredAnnotation` problem, and the proxy's default applies, as ingress-nginx falls
 * back to its ConfigMap's.
 */
export const readUpstreamLimits: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const policies: { -readonly [K in keyof RoutePolicies]: RoutePolicies[K] } = {};
  const size = (annotations[BODY_SIZE] ?? '').trim();
  if (size !== '') {
    const bytes = parseNginxSize(size);
    if (typeof bytes === 'number') policies.maxBodyBytes = bytes;
    else problems.push(ignored(BODY_SIZE, size, bytes.problem));
  }
  for (const [annotation, field] of TIMEOUTS) {
    const value = (annotations[annotation] ?? '').trim();
    if (value === '') continue;
    const ms = parseSeconds(value);
    if (typeof ms === 'number') policies[field] = ms;
    else problems.push(ignored(annotation, value, ms));
  }
  return { policies, problems };
};

function parseSeconds(value: string): number | string {
  if (!SECONDS.test(value)) {
    return /^\d+(\.\d+)?(ms|s|m|h)$/.test(value)
      ? 'the value is a whole number of seconds without a unit, as ingress-nginx reads it (60, not 60s)'
      : 'the value is not a whole number of seconds';
  }
  const seconds = Number(value);
  // nginx would time out at once with 0; a negative timeout means nothing.
  if (seconds < 1) return 'the timeout must be at least 1 second';
  if (seconds > MAX_SECONDS) return `the timeout must be at most ${String(MAX_SECONDS)} seconds`;
  return seconds * 1000;
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
