import { parseCidrList } from '../ir/index.ts';
import type { TranslateOptions } from '../translate/index.ts';
import { parseInteger } from './duration.ts';
import { UsageError } from './io.ts';

/**
 * The global source ranges and limit statuses of `serve`: ingress-nginx's ConfigMap keys
 * `whitelist-source-range`, `denylist-source-range`, `limit-req-status-code` and
 * `limit-conn-status-code`, as flags. They reach the routes through the translate options.
 */
export const ACCESS_LIMIT_FLAGS = {
  'allowlist-source-range': { type: 'string', multiple: true },
  'denylist-source-range': { type: 'string', multiple: true },
  'limit-req-status-code': { type: 'string' },
  'limit-conn-status-code': { type: 'string' },
} as const;

/** Help text of {@link ACCESS_LIMIT_FLAGS}. */
export const ACCESS_LIMIT_FLAGS_HELP = `      --allowlist-source-range LIST
                                  comma-separated IPs/CIDRs allowed on every route whose Ingress
                                  has no allowlist-source-range; others get 403; repeatable
                                  (default: all)
      --denylist-source-range LIST
                                  comma-separated IPs/CIDRs refused (403) on every route whose
                                  Ingress has no denylist-source-range; repeatable (default: none)
      --limit-req-status-code N   status for requests over limit-rps/limit-rpm (default: 503)
      --limit-conn-status-code N  status for requests over limit-connections (default: 503)`;

type AccessLimitValues = {
  readonly 'allowlist-source-range'?: readonly string[] | undefined;
  readonly 'denylist-source-range'?: readonly string[] | undefined;
  readonly 'limit-req-status-code'?: string | undefined;
  readonly 'limit-conn-status-code'?: string | undefined;
};

/** The translate options these flags set; a bad list or status is a usage error. */
export function accessLimitOptionsFrom(
  values: AccessLimitValues,
): Pick<
  TranslateOptions,
  'allowlistSourceRange' | 'denylistSourceRange' | 'limitReqStatusCode' | 'limitConnStatusCode'
> {
  const allow = cidrsOf('allowlist-source-range', values['allowlist-source-range']);
  const deny = cidrsOf('denylist-source-range', values['denylist-source-range']);
  const status = (flag: 'limit-req-status-code' | 'limit-conn-status-code'): number | undefined => {
    const value = values[flag];
    // nginx's limit_req_status and limit_conn_status take 400 to 599.
    return value === undefined ? undefined : parseInteger(flag, value, 400, 599);
  };
  const req = status('limit-req-status-code');
  const conn = status('limit-conn-status-code');
  return {
    ...(allow.length === 0 ? {} : { allowlistSourceRange: allow }),
    ...(deny.length === 0 ? {} : { denylistSourceRange: deny }),
    ...(req === undefined ? {} : { limitReqStatusCode: req }),
    ...(conn === undefined ? {} : { limitConnStatusCode: conn }),
  };
}

function cidrsOf(flag: string, values: readonly string[] | undefined): readonly string[] {
  const cidrs = new Set<string>();
  for (const value of values ?? []) {
    const read = parseCidrList(value);
    if (!read.ok) throw new UsageError(`--${flag}: ${read.problem}`);
    for (const cidr of read.cidrs) cidrs.add(cidr);
  }
  return [...cidrs].sort();
}
