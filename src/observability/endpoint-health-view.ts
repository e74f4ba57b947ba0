import { endpointKey, type EndpointHealthEntry } from '../dataplane/index.ts';
import type { Explanation, RouteTable } from '../ir/index.ts';

/** The part of EndpointHealth the status listener reads. */
export interface HealthView {
  snapshot(): EndpointHealthEntry[];
}

/** One endpoint that passive health tracks, as `/api/endpoints` lists it. */
export interface EndpointRow {
  /** `address:port` (IPv6 in brackets). */
  readonly endpoint: string;
  /** The live table's backends (`namespace/service:port`) that have this endpoint. */
  readonly backends: readonly string[];
  readonly state: EndpointHealthEntry['state'];
  /** The failure that ejected it last, or for one in rotation its last failure; null: none. */
  readonly reason: EndpointHealthEntry['reason'];
  /** Unix milliseconds: end of the ejection; null for `failing`. */
  readonly until: number | null;
  /** Seconds from now to `until`, 0 once past (probation); null for `failing`. */
  readonly secondsLeft: number | null;
  readonly consecutiveFailures: number;
  readonly ejections: number;
}

/** What `/api/endpoints` answers. */
export interface EndpointsPage {
  readonly version: string | null;
  /** Endpoints tracked: out of rotation, on probation, or in rotation with failures counted. */
  readonly total: number;
  /** Of those, out of rotation now (ejected, or probed by a request). */
  readonly out: number;
  /** At most {@link MAX_ENDPOINT_ROWS}, those out of rotation first. */
  readonly rows: readonly EndpointRow[];
}

/** Health of one endpoint of an explanation: whether it would take the request now. */
export interface EndpointHealthNote {
  readonly endpoint: string;
  /** `in-rotation` when passive health has nothing against it. */
  readonly state: EndpointHealthEntry['state'] | 'in-rotation';
  readonly reason: EndpointHealthEntry['reason'];
  readonly until: number | null;
}

/** An explanation with the live health of each endpoint (the status listener's `/api/explain`). */
export type LiveExplanation = Explanation & {
  readonly endpointHealth: readonly EndpointHealthNote[];
};

/** At most this many endpoints are listed by `/api/endpoints`. */
export const MAX_ENDPOINT_ROWS = 500;

const ORDER: Record<EndpointHealthEntry['state'], number> = {
  ejected: 0,
  probing: 1,
  'slow-connect': 2,
  probation: 3,
  failing: 4,
};

const OUT_OF_ROTATION: ReadonlySet<EndpointHealthEntry['state']> = new Set([
  'ejected',
  'probing',
  'slow-connect',
]);

/**
 * `/api/endpoints`: the endpoints passive health tracks, with the backends of the live table
 * that use each; those out of rotation first, then by address.
 */
export function endpointsPage(
  table: RouteTable | null,
  entries: readonly EndpointHealthEntry[],
  nowMs: number,
): EndpointsPage {
  const tracked = new Set(entries.map((entry) => entry.endpoint));
  const backends = new Map<string, string[]>();
  for (const backend of table?.backends ?? []) {
    for (const endpoint of backend.endpoints) {
      const key = endpointKey(endpoint);
      if (!tracked.has(key)) continue;
      const ids = backends.get(key);
      if (ids === undefined) backends.set(key, [backend.id]);
      else if (!ids.includes(backend.id)) ids.push(backend.id);
    }
  }
  const rows = [...entries]
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.endpoint.localeCompare(b.endpoint))
    .slice(0, MAX_ENDPOINT_ROWS)
    .map((entry): EndpointRow => ({
      endpoint: entry.endpoint,
      backends: backends.get(entry.endpoint) ?? [],
      state: entry.state,
      reason: entry.reason,
      until: entry.until,
      secondsLeft:
        entry.until === null ? null : Math.max(0, Math.ceil((entry.until - nowMs) / 1000)),
      consecutiveFailures: entry.consecutiveFailures,
      ejections: entry.ejections,
    }));
  return {
    version: table?.version ?? null,
    total: entries.length,
    out: entries.filter((e) => OUT_OF_ROTATION.has(e.state)).length,
    rows,
  };
}

/**
 * The explanation with the health of each of its endpoints now: `in-rotation`, `failing`
 * (in rotation, failures counted), `ejected` until `until`, `probation` (the next request may
 * go there), `probing` (one request is there; the others keep off until its outcome) or
 * `slow-connect` (a connect to it is pending too long).
 */
export function withEndpointHealth(
  explanation: Explanation,
  entries: readonly EndpointHealthEntry[],
): LiveExplanation {
  const byEndpoint = new Map(entries.map((entry) => [entry.endpoint, entry]));
  return {
    ...explanation,
    endpointHealth: explanation.endpoints.map((endpoint): EndpointHealthNote => {
      const entry = byEndpoint.get(endpoint);
      if (entry === undefined) return { endpoint, state: 'in-rotation', reason: null, until: null };
      return { endpoint, state: entry.state, reason: entry.reason, until: entry.until };
    }),
  };
}
