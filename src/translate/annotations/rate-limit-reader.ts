import type { Problem, RateLimitPolicy } from '../../ir/index.ts';
import { parseCidrList } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const RPS = `${INGRESS_NGINX_PREFIX}/limit-rps`;
const RPM = `${INGRESS_NGINX_PREFIX}/limit-rpm`;
const CONNECTIONS = `${INGRESS_NGINX_PREFIX}/limit-connections`;
const BURST_MULTIPLIER = `${INGRESS_NGINX_PREFIX}/limit-burst-multiplier`;
const ALLOWLIST = `${INGRESS_NGINX_PREFIX}/limit-allowlist`;

/** The annotations that limit requests and connections per client. */
export const RATE_LIMIT_ANNOTATIONS = [RPS, RPM, CONNECTIONS, BURST_MULTIPLIER, ALLOWLIST] as const;

/** ingress-nginx's default burst multiplier (ratelimit/main.go). */
export const DEFAULT_BURST_MULTIPLIER = 5;
/** nginx's default `limit_req_status` and `limit_conn_status`, as ingress-nginx's ConfigMap. */
export const DEFAULT_LIMIT_STATUS = 503;

// Go's strconv.Atoi, which ingress-nginx's validator uses.
const INTEGER = /^[+-]?[0-9]+$/;

/**
 * Reads limit-rps, limit-rpm, limit-connections, limit-burst-multiplier (default 5) and
 * limit-allowlist (limit-whitelist arrives under this name), as ingress-nginx does: a limit of
 * 0 or less is no limit, and without any limit the others do nothing. ingress-nginx refuses an
 * Ingress whose value is not an integer (or not a CIDR list); here the Ingress fails closed
 * (503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED) with a problem naming it. The statuses come from
 * `--limit-req-status-code` and `--limit-conn-status-code`.
 */
export const readRateLimits: PolicyReader = (annotations, context) => {
  const problems: Problem[] = [];
  const failClosed: string[] = [];
  const refuse = (key: string, value: string, why: string): void => {
    failClosed.push(key);
    problems.push({
      code: 'AccessControlNotEnforced',
      message: `${key}: ${JSON.stringify(value)} ${why}; the Ingress's paths answer 503 rather than be served unlimited`,
      field: `metadata.annotations[${key}]`,
    });
  };
  const integer = (key: string): number | undefined => {
    const value = annotations[key];
    if (value === undefined) return undefined;
    const number = INTEGER.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number)) {
      refuse(key, value, 'is not an integer');
      return undefined;
    }
    return number;
  };
  const rps = integer(RPS) ?? 0;
  const rpm = integer(RPM) ?? 0;
  const connections = integer(CONNECTIONS) ?? 0;
  const multiplier = integer(BURST_MULTIPLIER) ?? DEFAULT_BURST_MULTIPLIER;
  if (multiplier < 0) {
    // ingress-nginx would write a negative burst, which nginx refuses to load.
    refuse(BURST_MULTIPLIER, String(annotations[BURST_MULTIPLIER]), 'is negative');
  }
  let allowlist: readonly string[] = [];
  const allowValue = annotations[ALLOWLIST];
  if (allowValue !== undefined && allowValue.trim() !== '') {
    const read = parseCidrList(allowValue);
    if (read.ok) allowlist = read.cidrs;
    else refuse(ALLOWLIST, allowValue, `is not a list of IP addresses and CIDRs (${read.problem})`);
  }
  if (failClosed.length > 0) return { policies: {}, problems, failClosed };
  if (rps <= 0 && rpm <= 0 && connections <= 0) return { policies: {}, problems };
  const options = context?.options;
  const rateLimit: RateLimitPolicy = {
    ...(rps > 0 ? { rps } : {}),
    ...(rpm > 0 ? { rpm } : {}),
    burstMultiplier: multiplier,
    ...(connections > 0 ? { connections } : {}),
    ...(allowlist.length === 0 ? {} : { allowlist }),
    requestStatus: options?.limitReqStatusCode ?? DEFAULT_LIMIT_STATUS,
    connectionStatus: options?.limitConnStatusCode ?? DEFAULT_LIMIT_STATUS,
  };
  return { policies: { rateLimit }, problems };
};
