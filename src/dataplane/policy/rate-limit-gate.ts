import type { RateLimitPolicy } from '../../ir/index.ts';
import { parseIpAddress } from '../../ir/index.ts';
import { PASS, type Gate, type GateRequest, type GateVerdict } from './gate.ts';
import type { Admission, LimitCounter, NamedZone } from './limit-counter.ts';
import { clientWords } from './limit-state.ts';
import { trieOf } from './prefix-trie.ts';

/**
 * Checks the per-client limits of a route (limit-rps, limit-rpm, limit-connections), as
 * ingress-nginx's `limit_req zone=... burst=... nodelay` and `limit_conn`: the request rates
 * first (nginx runs limit_req before limit_conn), then the requests in flight, whose slot is
 * given back when the request ends. Clients in limit-allowlist are not counted at all.
 */
export const rateLimitGate: Gate = (request) => {
  const limits = request.policies.rateLimit;
  if (limits === undefined) return undefined;
  return rateLimitVerdict(limits, {
    zone: zoneOf(request),
    client: request.client,
    state: request.state.limits,
    ...(request.onEnd === undefined ? {} : { onEnd: request.onEnd }),
  });
};

/** What one check of the limits needs besides the policy. */
export interface LimitCheck {
  /** The zone: one per Ingress, shared by all its paths, as ingress-nginx names its zones. */
  readonly zone: string;
  readonly client: string;
  readonly state: LimitCounter;
  /** Gives the connection slot back when the request ends; absent, connections are not counted. */
  readonly onEnd?: (release: () => void) => void;
}

/**
 * The verdict of the limits for one request: synchronous when the counter is (one process),
 * a Promise when the counts live in the shared limit service (several workers).
 */
export function rateLimitVerdict(
  limits: RateLimitPolicy,
  check: LimitCheck,
): GateVerdict | Promise<GateVerdict> {
  const address = parseIpAddress(check.client);
  if (address !== undefined && limits.allowlist !== undefined) {
    if (trieOf(limits.allowlist).has(address)) return PASS;
  }
  const zones: NamedZone[] = [];
  if (limits.rps !== undefined) {
    zones.push({
      name: `${check.zone}\0rps`,
      perSecond: limits.rps,
      burst: limits.rps * limits.burstMultiplier,
    });
  }
  if (limits.rpm !== undefined) {
    zones.push({
      name: `${check.zone}\0rpm`,
      perSecond: limits.rpm / 60,
      burst: limits.rpm * limits.burstMultiplier,
    });
  }
  const { onEnd } = check;
  // Requests in flight are counted only where the end of the request can give the slot back.
  const hold =
    limits.connections === undefined || onEnd === undefined
      ? null
      : { zone: `${check.zone}\0conn`, limit: limits.connections };
  if (zones.length === 0 && hold === null) return PASS;
  const settle = (admission: Admission): GateVerdict => {
    if (admission.refused === null) {
      if (admission.release !== null) onEnd?.(admission.release);
      return PASS;
    }
    return admission.refused === 'rate'
      ? { kind: 'refuse', code: 'PM_ERR_RATE_LIMITED', status: limits.requestStatus }
      : { kind: 'refuse', code: 'PM_ERR_CONNECTION_LIMITED', status: limits.connectionStatus };
  };
  // By the address's bits, so that two spellings of one IPv6 address share one bucket.
  const admitted = check.state.admit(clientWords(address), zones, hold);
  return admitted instanceof Promise ? admitted.then(settle) : settle(admitted);
}

/** The zone of the Ingress of the route (or of the default backend): `namespace/name`. */
function zoneOf(request: GateRequest): string {
  const { route } = request;
  if (route !== null) return `${route.source.namespace}/${route.source.name}`;
  const fallback = request.table.table.defaultBackend;
  return fallback === null ? '' : `${fallback.namespace}/${fallback.name}`;
}
