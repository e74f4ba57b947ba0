import { isIPv6 } from 'node:net';
import type { Backend, ObjectResult, RouteTable, TlsHost } from '../ir/index.ts';
import type { AdminView } from './admin-view.ts';
import { certificatesOf, tlsHostsOf, type CertificateInUse } from './tls-view.ts';
import type { TrafficOverall } from './traffic-history.ts';

/** A page of rows and where it sits in the whole list (what every paged endpoint answers). */
export interface Page<T> {
  /** Version of the live route table; null before the first one. */
  readonly version: string | null;
  /** Rows before the query filtered them. */
  readonly total: number;
  /** Rows the query matched. */
  readonly matched: number;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly rows: readonly T[];
}

/** One path rule (or the default backend) of the live table, with its backend resolved. */
export interface RouteRow {
  readonly kind: 'rule' | 'default';
  /** The rule's host; `*` for a rule without a host, null for the default backend. */
  readonly host: string | null;
  /** The rule's path (Prefix paths without their trailing `/`); null for the default backend. */
  readonly path: string | null;
  readonly pathType: string | null;
  readonly namespace: string;
  readonly ingress: string;
  readonly backend: string;
  readonly service: string;
  readonly port: number | string | null;
  readonly readyEndpoints: number;
  /** At most {@link MAX_ENDPOINTS_SHOWN} `address:port`, the rest only counted. */
  readonly endpoints: readonly string[];
  readonly problem: { readonly code: string; readonly message: string } | null;
}

/** One object with its state and problems. */
export interface ObjectRow extends ObjectResult {
  readonly servingLastGood: boolean;
}

/** Which objects `/api/objects` lists. */
export type ObjectFilter = 'rejected' | 'problems' | 'accepted' | 'ignored' | 'all';

/** A certificate in use, with the time left. */
export interface CertificateRow {
  readonly namespace: string;
  readonly name: string;
  readonly notAfter: string;
  /** Seconds until `notAfter`; negative once expired. */
  readonly expiresInSeconds: number;
  readonly hosts: readonly string[];
}

/** What `/api/summary` answers. */
export interface Summary {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  readonly version: string | null;
  readonly routes: {
    readonly hosts: number;
    readonly paths: number;
    readonly backends: number;
    readonly readyEndpoints: number;
    readonly backendsWithoutEndpoints: number;
    readonly defaultBackend: boolean;
  };
  readonly objects: {
    readonly accepted: number;
    readonly rejected: number;
    readonly ignored: number;
    readonly withProblems: number;
    readonly servingLastGood: number;
  };
  readonly diagnostics: { readonly errors: number; readonly notes: number };
  readonly certificates: {
    readonly inUse: number;
    readonly expiringSoon: number;
    readonly expired: number;
    readonly hostsWithProblems: number;
  };
  /** Over the last minute; null with `--metrics off`. */
  readonly traffic: {
    readonly requestsPerSecond: number;
    readonly serverErrorRatio: number;
  } | null;
}

/** At most this many endpoints are listed per row. */
export const MAX_ENDPOINTS_SHOWN = 20;
/** At most this many TLS hosts with a problem are listed by `/api/certificates`. */
export const MAX_PROBLEMS_SHOWN = 100;
/** Certificates expiring within this many seconds count as expiring soon. */
export const EXPIRING_SOON_SECONDS = 14 * 24 * 3600;
const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

/** The numbers at the top of the status page. */
export function summaryOf(
  view: AdminView,
  options: { shuttingDown: boolean; nowMs: number; traffic: TrafficOverall | null },
): Summary {
  const table = view.table;
  const backends = table?.backends ?? [];
  const count = (state: string): number => view.results.filter((r) => r.state === state).length;
  const certificates = table === null ? [] : datedCertificatesOf(table);
  const left = certificates.map((c) => c.notAfterMs - options.nowMs);
  return {
    ready: view.ready,
    shuttingDown: options.shuttingDown,
    version: table?.version ?? null,
    routes: {
      hosts: table?.hosts.length ?? 0,
      paths: table?.hosts.reduce((sum, host) => sum + host.paths.length, 0) ?? 0,
      backends: backends.length,
      readyEndpoints: backends.reduce((sum, backend) => sum + backend.endpoints.length, 0),
      backendsWithoutEndpoints: backends.filter((b) => b.endpoints.length === 0).length,
      defaultBackend: table?.defaultBackend != null,
    },
    objects: {
      accepted: count('Accepted'),
      rejected: count('Rejected'),
      ignored: count('Ignored'),
      withProblems: view.results.filter((r) => r.state === 'Accepted' && r.problems.length > 0)
        .length,
      servingLastGood: view.servingLastGood.length,
    },
    diagnostics: {
      errors: view.diagnostics.filter((d) => severityOf(d) === 'error').length,
      notes: view.diagnostics.filter((d) => severityOf(d) !== 'error').length,
    },
    certificates: {
      inUse: certificates.length,
      expiringSoon: left.filter((ms) => ms >= 0 && ms < EXPIRING_SOON_SECONDS * 1000).length,
      expired: left.filter((ms) => ms < 0).length,
      hostsWithProblems: table === null ? 0 : tlsHostsOf(table).filter((h) => h.problem).length,
    },
    traffic: options.traffic === null ? null : lastMinute(options.traffic),
  };
}

/** `/api/routes`: the rows of the live table matching `q`, one page of them. */
export function routesPage(view: AdminView, query: URLSearchParams): Page<RouteRow> {
  const table = view.table;
  const rows = table === null ? [] : routeRowsOf(table);
  return paged(rows, query, table?.version ?? null, routeText);
}

/** `/api/objects`: objects in the chosen state matching `q`, one page of them. */
export function objectsPage(view: AdminView, query: URLSearchParams): Page<ObjectRow> {
  const filter = objectFilter(query.get('state'));
  const lastGood = new Set(view.servingLastGood.map((r) => `${r.kind}/${r.namespace}/${r.name}`));
  const rows: ObjectRow[] = [];
  for (const result of view.results) {
    if (!keeps(filter, result)) continue;
    const key = `${result.kind}/${result.namespace}/${result.name}`;
    rows.push({ ...result, servingLastGood: lastGood.has(key) });
  }
  return paged(rows, query, view.table?.version ?? null, objectText);
}

/**
 * `/api/certificates`: the Secrets in use, soonest to expire first, matching `q`, one page of
 * them; and the first {@link MAX_PROBLEMS_SHOWN} TLS hosts with a problem, with their count.
 */
export function certificatesPage(
  view: AdminView,
  query: URLSearchParams,
  nowMs: number,
): Page<CertificateRow> & { readonly problems: readonly TlsHost[]; readonly problemCount: number } {
  const table = view.table;
  const page = paged(
    table === null ? [] : datedCertificatesOf(table),
    query,
    table?.version ?? null,
    (row) => row.text,
  );
  const rows = page.rows.map(({ certificate, notAfterMs }) => ({
    ...certificate,
    expiresInSeconds: Math.floor((notAfterMs - nowMs) / 1000),
  }));
  const problems = table === null ? [] : tlsHostsOf(table).filter((h) => h.problem !== null);
  return {
    ...page,
    rows,
    problems: problems.slice(0, MAX_PROBLEMS_SHOWN),
    problemCount: problems.length,
  };
}

/** A certificate in use with its expiry parsed and its search text, soonest expiry first. */
interface DatedCertificate {
  readonly certificate: CertificateInUse;
  readonly notAfterMs: number;
  readonly text: string;
}

// The rows of a table are built once per table: a page or a search reads them from here.
const rowCache = new WeakMap<RouteTable, RouteRow[]>();
const textCache = new WeakMap<RouteRow, string>();
const certificateCache = new WeakMap<RouteTable, DatedCertificate[]>();

function datedCertificatesOf(table: RouteTable): DatedCertificate[] {
  const cached = certificateCache.get(table);
  if (cached !== undefined) return cached;
  const rows = certificatesOf(table)
    .map((certificate) => {
      const parsed = Date.parse(certificate.notAfter);
      return {
        certificate,
        // An unreadable date sorts last rather than breaking the order of the rest.
        notAfterMs: Number.isNaN(parsed) ? Number.MAX_SAFE_INTEGER : parsed,
        text: `${certificate.namespace}/${certificate.name} ${certificate.hosts.join(' ')}`.toLowerCase(),
      };
    })
    .sort((a, b) => a.notAfterMs - b.notAfterMs);
  certificateCache.set(table, rows);
  return rows;
}

function routeRowsOf(table: RouteTable): RouteRow[] {
  const cached = rowCache.get(table);
  if (cached !== undefined) return cached;
  const backends = new Map(table.backends.map((backend) => [backend.id, backend]));
  const rows: RouteRow[] = [];
  for (const entry of table.hosts) {
    for (const route of entry.paths) {
      rows.push({
        kind: 'rule',
        host: entry.host === '' ? '*' : entry.host,
        path: route.path,
        pathType: route.declaredPathType,
        namespace: route.source.namespace,
        ingress: route.source.name,
        ...backendFields(route.backend, backends.get(route.backend)),
      });
    }
  }
  const fallback = table.defaultBackend;
  if (fallback !== null) {
    rows.push({
      kind: 'default',
      host: null,
      path: null,
      pathType: null,
      namespace: fallback.namespace,
      ingress: fallback.name,
      ...backendFields(fallback.backend, backends.get(fallback.backend)),
    });
  }
  rowCache.set(table, rows);
  return rows;
}

function backendFields(id: string, backend: Backend | undefined) {
  const endpoints = backend?.endpoints ?? [];
  return {
    backend: id,
    service: backend?.service ?? '',
    port: backend?.port ?? null,
    readyEndpoints: endpoints.length,
    endpoints: endpoints
      .slice(0, MAX_ENDPOINTS_SHOWN)
      .map((e) =>
        isIPv6(e.address) ? `[${e.address}]:${String(e.port)}` : `${e.address}:${String(e.port)}`,
      ),
    problem:
      backend === undefined
        ? { code: 'BackendMissing', message: `backend ${id} is not in the table` }
        : backend.problem,
  };
}

function routeText(row: RouteRow): string {
  let text = textCache.get(row);
  if (text === undefined) {
    text = [row.host ?? 'default', row.path ?? '', `${row.namespace}/${row.ingress}`, row.backend]
      .join(' ')
      .toLowerCase();
    textCache.set(row, text);
  }
  return text;
}

function objectText(row: ObjectRow): string {
  const codes = row.problems.map((p) => p.code).join(' ');
  return `${row.kind} ${row.namespace}/${row.name} ${codes}`.toLowerCase();
}

function paged<T>(
  rows: readonly T[],
  query: URLSearchParams,
  version: string | null,
  text: (row: T) => string,
): Page<T> {
  const needle = (query.get('q') ?? '').trim().toLowerCase();
  const matching = needle === '' ? rows : rows.filter((row) => text(row).includes(needle));
  const pageSize = clampInteger(query.get('pageSize'), 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = clampInteger(query.get('page'), 1, pages, 1);
  const start = (page - 1) * pageSize;
  return {
    version,
    total: rows.length,
    matched: matching.length,
    page,
    pageSize,
    pages,
    rows: matching.slice(start, start + pageSize),
  };
}

function clampInteger(value: string | null, min: number, max: number, fallback: number): number {
  const parsed = value === null ? Number.NaN : Number(value);
  if (!Number.isInteger(parsed)) return fallback;
  return Math.min(max, Math.max(min, parsed));
}

function objectFilter(value: string | null): ObjectFilter {
  const filters: readonly string[] = ['rejected', 'problems', 'accepted', 'ignored', 'all'];
  return value !== null && filters.includes(value) ? (value as ObjectFilter) : 'rejected';
}

function keeps(filter: ObjectFilter, result: ObjectResult): boolean {
  switch (filter) {
    case 'rejected':
      return result.state === 'Rejected';
    case 'problems':
      return result.state !== 'Ignored' && result.problems.length > 0;
    case 'accepted':
      return result.state === 'Accepted';
    case 'ignored':
      return result.state === 'Ignored';
    case 'all':
      return true;
  }
}

function severityOf(diagnostic: unknown): unknown {
  return typeof diagnostic === 'object' && diagnostic !== null && 'severity' in diagnostic
    ? diagnostic.severity
    : undefined;
}

/** Rates over the six newest buckets (the newest still filling, so slightly under). */
function lastMinute(traffic: TrafficOverall): Summary['traffic'] {
  const buckets = Math.max(1, Math.round(60 / traffic.bucketSeconds));
  const requests = traffic.all.requests.slice(-buckets).reduce((a, b) => a + b, 0);
  const errors = traffic.all.serverErrors.slice(-buckets).reduce((a, b) => a + b, 0);
  return {
    requestsPerSecond: requests / (buckets * traffic.bucketSeconds),
    serverErrorRatio: requests === 0 ? 0 : errors / requests,
  };
}
