import {
  compareBackendIds,
  compareHosts,
  forEachChange,
  preparePattern,
  wildcardSuffix,
} from '../../ir/index.ts';
import {
  NO_ACCESS_MATERIALS,
  type AccessMaterials,
  type Backend,
  type DefaultRoute,
  type HostRoutes,
  type Matcher,
  type RouteMatch,
  type RouteTable,
  type UpstreamTlsMaterials,
} from '../../ir/index.ts';
import { CompiledHost, fallbackMatch } from './compile-host.ts';
import { LayeredMap } from './layered-map.ts';

/** A route table compiled for the request path: same answers as the reference matcher, faster. */
export interface CompiledTable extends Matcher {
  /** The IR this was compiled from. */
  readonly table: RouteTable;
  /** Whether some route redirects plain HTTP to HTTPS (else the HTTP listener need not look). */
  readonly sslRedirects: boolean;
  /**
   * Whether some TLS host asks for client certificates: then every request is checked against
   * its connection's name (a request on a route without policies included).
   */
  readonly clientCertificates: boolean;
  /** The backend with this id, if the table has one. */
  backend(id: string): Backend | undefined;
  /** The PEM text of the proxy-ssl Secrets its backends name, by version (never in the IR). */
  readonly upstreamTls: UpstreamTlsMaterials;
  /** The credentials and client CA bundles of its access policies, by version (never in the IR). */
  readonly access: AccessMaterials;
}

/**
 * Compiles a route table. A lookup is a few Map lookups: exact host, else wildcard suffix, else
 * the host-less entry, then that entry's Exact and Prefix paths (see {@link CompiledHost}). Its
 * cost does not depend on the number of hosts or routes, and it allocates no result object.
 */
export function compileRouteTable(
  table: RouteTable,
  upstreamTls: UpstreamTlsMaterials = new Map(),
  access: AccessMaterials = NO_ACCESS_MATERIALS,
  previous?: CompiledTable,
): CompiledTable {
  return new CompiledRouteTable(
    table,
    upstreamTls,
    access,
    previous instanceof CompiledRouteTable ? previous : undefined,
  );
}

class CompiledRouteTable implements CompiledTable {
  readonly table: RouteTable;
  readonly sslRedirects: boolean;
  readonly clientCertificates: boolean;
  readonly upstreamTls: UpstreamTlsMaterials;
  readonly access: AccessMaterials;
  readonly #exactHosts: LayeredMap<CompiledHost>;
  /** Wildcard entries keyed by what follows `*.`, the key {@link wildcardSuffix} gives. */
  readonly #wildcardHosts: LayeredMap<CompiledHost>;
  readonly #anyHost: CompiledHost | undefined;
  readonly #noHost: RouteMatch;
  readonly #backends: LayeredMap<Backend>;
  /** Host entries with a route that redirects to HTTPS. */
  readonly #redirectingHosts: number;
  /** Whether the table's hosts and backends are in canonical order (a sealed table's are). */
  readonly #ordered: boolean;

  constructor(
    table: RouteTable,
    upstreamTls: UpstreamTlsMaterials,
    access: AccessMaterials,
    previous: CompiledRouteTable | undefined,
  ) {
    this.table = table;
    this.upstreamTls = upstreamTls;
    this.access = access;
    this.clientCertificates = table.tls.some((host) => host.clientCertificates !== undefined);
    this.#noHost = fallbackMatch(null, table.defaultBackend);
    // From the live table when both are in order and share the default route: only the host
    // entries and backends that changed are compiled and laid over it (an incremental
    // translation keeps the others as they were).
    const candidate =
      previous !== undefined &&
      previous.#ordered &&
      previous.table.defaultBackend === table.defaultBackend
        ? previous
        : undefined;
    const hostChanges =
      candidate === undefined
        ? null
        : changesBetween(candidate.table.hosts, table.hosts, compareHosts);
    const backendChanges =
      candidate === undefined
        ? null
        : changesBetween(candidate.table.backends, table.backends, compareBackendIds);
    const start = hostChanges !== null && backendChanges !== null ? candidate : undefined;
    this.#ordered =
      start !== undefined ||
      (inOrder(table.hosts, compareHosts) && inOrder(table.backends, compareBackendIds));
    const exact = new Map<string, CompiledHost | null>();
    const wildcard = new Map<string, CompiledHost | null>();
    let redirecting = start === undefined ? 0 : start.#redirectingHosts;
    const put = (entry: HostRoutes, compiled: CompiledHost | null): void => {
      const map = entry.kind === 'exact' ? exact : entry.kind === 'wildcard' ? wildcard : null;
      const key = entry.kind === 'wildcard' ? entry.host.slice(2) : entry.host;
      if (map === null || (entry.kind === 'wildcard' && !entry.host.startsWith('*.'))) return;
      // A sealed table has no two entries for one host; should it, the first one wins, as in
      // the reference matcher. A replaced entry is removed before its successor comes.
      if (compiled === null || (map.get(key) ?? null) === null) map.set(key, compiled);
    };
    const removed = (entry: HostRoutes): void => {
      put(entry, null);
      if (redirects(entry)) redirecting--;
    };
    const added = (entry: HostRoutes): void => {
      put(entry, compileHost(entry, table.defaultBackend));
      if (redirects(entry)) redirecting++;
    };
    if (hostChanges === null || start === undefined) table.hosts.forEach(added);
    else {
      hostChanges.removed.forEach(removed);
      hostChanges.added.forEach(added);
    }
    this.#exactHosts = (start === undefined ? EMPTY_HOSTS : start.#exactHosts).with(exact);
    this.#wildcardHosts = (start === undefined ? EMPTY_HOSTS : start.#wildcardHosts).with(wildcard);
    this.#redirectingHosts = redirecting;
    this.sslRedirects = redirecting > 0;
    const anyEntry = firstAnyHost(table.hosts, this.#ordered);
    this.#anyHost =
      anyEntry === undefined ? undefined : compiledHostOf(anyEntry, table.defaultBackend);
    if (backendChanges === null || start === undefined) {
      this.#backends = LayeredMap.of(table.backends.map((backend) => [backend.id, backend]));
    } else {
      const changes = new Map<string, Backend | null>();
      for (const backend of backendChanges.removed) changes.set(backend.id, null);
      for (const backend of backendChanges.added) changes.set(backend.id, backend);
      this.#backends = start.#backends.with(changes);
    }
  }

  match(host: string, path: string): RouteMatch {
    const entry = this.#selectHost(host);
    return entry === undefined ? this.#noHost : entry.match(path);
  }

  backend(id: string): Backend | undefined {
    return this.#backends.get(id);
  }

  #selectHost(host: string): CompiledHost | undefined {
    const exact = this.#exactHosts.get(host);
    if (exact !== undefined) return exact;
    if (this.#wildcardHosts.size > 0) {
      const suffix = wildcardSuffix(host);
      const wildcard = suffix === null ? undefined : this.#wildcardHosts.get(suffix);
      if (wildcard !== undefined) return wildcard;
    }
    return this.#anyHost;
  }
}

const EMPTY_HOSTS = LayeredMap.of<CompiledHost>([]);

function compileHost(entry: HostRoutes, defaultBackend: DefaultRoute | null): CompiledHost {
  // Canary header patterns are compiled with the table, off the request path.
  for (const route of entry.paths) {
    const header = route.canary?.header;
    if (header?.match === 'pattern') preparePattern(header.pattern);
  }
  return compiledHostOf(entry, defaultBackend);
}

/** The first entry for any host; in an ordered table those come last. */
function firstAnyHost(hosts: readonly HostRoutes[], ordered: boolean): HostRoutes | undefined {
  if (!ordered) return hosts.find((entry) => entry.kind === 'any');
  let first: HostRoutes | undefined;
  for (let i = hosts.length - 1; i >= 0 && hosts[i]?.kind === 'any'; i--) first = hosts[i];
  return first;
}

function redirects(entry: HostRoutes): boolean {
  return entry.paths.some((route) => route.sslRedirect);
}

/**
 * What left the first of two lists in the same strict order and what came in the second (an
 * item kept as the same object is neither; one replaced by an equal-ranked new object is both).
 * Null when an item that came breaks the order: the lists cannot be walked side by side. Items
 * kept keep their order, so checking the new ones against their neighbours is enough.
 */
function changesBetween<T>(
  before: readonly T[],
  after: readonly T[],
  compare: (a: T, b: T) => number,
): { readonly removed: T[]; readonly added: T[] } | null {
  const removed: T[] = [];
  const added: T[] = [];
  const found = { ordered: true };
  forEachChange(before, after, compare, (item, sign, place) => {
    if (sign < 0) {
      removed.push(item);
      return;
    }
    const previous = after[place - 1];
    const following = after[place + 1];
    if (previous !== undefined && compare(previous, item) >= 0) found.ordered = false;
    if (following !== undefined && compare(item, following) >= 0) found.ordered = false;
    added.push(item);
  });
  return found.ordered ? { removed, added } : null;
}

function inOrder<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i++) {
    if (compare(items[i - 1] as T, items[i] as T) >= 0) return false;
  }
  return true;
}

/**
 * Compiled hosts by their (frozen) IR entry: a table that keeps most host entries of the last
 * one, as an incremental translation does, compiles only the new ones. A compiled host also
 * holds the table's default route, so it is reused only with the same one.
 */
const compiledHosts = new WeakMap<
  HostRoutes,
  { readonly defaultBackend: DefaultRoute | null; readonly compiled: CompiledHost }
>();

function compiledHostOf(entry: HostRoutes, defaultBackend: DefaultRoute | null): CompiledHost {
  const known = compiledHosts.get(entry);
  if (known !== undefined && known.defaultBackend === defaultBackend) return known.compiled;
  const compiled = new CompiledHost(entry, defaultBackend);
  if (Object.isFrozen(entry)) compiledHosts.set(entry, { defaultBackend, compiled });
  return compiled;
}
