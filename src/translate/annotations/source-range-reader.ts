import type { Problem, SourceRangePolicy } from '../../ir/index.ts';
import { parseCidrList } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyRead, PolicyReader } from './route-policies.ts';

const ALLOW = `${INGRESS_NGINX_PREFIX}/allowlist-source-range`;
const DENY = `${INGRESS_NGINX_PREFIX}/denylist-source-range`;

/** The annotations that limit a route to (or bar it from) client networks. */
export const SOURCE_RANGE_ANNOTATIONS = [ALLOW, DENY] as const;

/**
 * Reads allowlist-source-range (whitelist-source-range arrives under this name) and
 * denylist-source-range: comma-separated IPv4/IPv6 addresses and CIDRs, canonicalised. As in
 * ingress-nginx, an annotation replaces the global default list of its kind
 * (`--allowlist-source-range`, `--denylist-source-range`), which applies when it is absent.
 * A bad entry, or an empty value, makes ingress-nginx deny the location; here the Ingress fails
 * closed (503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED) with a problem naming the entry.
 */
export const readSourceRanges: PolicyReader = (annotations, context) => {
  const problems: Problem[] = [];
  const failClosed: string[] = [];
  const listOf = (key: string, fallback: readonly string[] | undefined): readonly string[] => {
    const value = annotations[key];
    if (value === undefined) return fallback ?? [];
    const read = parseCidrList(value);
    if (read.ok) return read.cidrs;
    failClosed.push(key);
    problems.push({
      code: 'AccessControlNotEnforced',
      message: `${key}: ${JSON.stringify(value)} is not a comma-separated list of IP addresses and CIDRs (${read.problem}); the Ingress's paths answer 503 rather than be served open`,
      field: `metadata.annotations[${key}]`,
    });
    return [];
  };
  const allow = listOf(ALLOW, context?.options.allowlistSourceRange);
  const deny = listOf(DENY, context?.options.denylistSourceRange);
  const policy: SourceRangePolicy = {
    ...(allow.length === 0 ? {} : { allow }),
    ...(deny.length === 0 ? {} : { deny }),
  };
  const read: PolicyRead = {
    policies: allow.length === 0 && deny.length === 0 ? {} : { sourceRanges: policy },
    problems,
    ...(failClosed.length === 0 ? {} : { failClosed }),
  };
  return read;
};
