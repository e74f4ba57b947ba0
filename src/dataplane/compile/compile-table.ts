import { preparePattern, wildcardSuffix } from '../../ir/index.ts';
import {
  NO_ACCESS_MATERIALS,
  type AccessMaterials,
  type Backend,
  type Matcher,
  type RouteMatch,
  type RouteTable,
  type UpstreamTlsMaterials,
} from '../../ir/index.ts';
import { CompiledHost, fallbackMatch } from './compile-host.ts';

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
): CompiledTable {
  return new CompiledRouteTable(table, upstreamTls, access);
}

class CompiledRouteTable implements CompiledTable {
  readonly table: RouteTable;
  readonly sslRedirects: boolean;
  readonly clientCertificates: boolean;
  readonly upstreamTls: UpstreamTlsMaterials;
  readonly access: AccessMaterials;
  readonly #exactHosts = new Map<string, CompiledHost>();
  /** Wildcard entries keyed by what follows `*.`, the key {@link wildcardSuffix} gives. */
  readonly #wildcardHosts = new Map<string, CompiledHost>();
  readonly #anyHost: CompiledHost | undefined;
  readonly #noHost: RouteMatch;
  readonly #backends = new Map<string, Backend>();

  constructor(table: RouteTable, upstreamTls: UpstreamTlsMaterials, access: AccessMaterials) {
    this.table = table;
    this.upstreamTls = upstreamTls;
    this.access = access;
    this.sslRedirects = table.hosts.some((entry) => entry.paths.some((route) => route.sslRedirect));
    this.clientCertificates = table.tls.some((host) => host.clientCertificates !== undefined);
    let anyHost: CompiledHost | undefined;
    for (const entry of table.hosts) {
      // Canary header patterns are compiled with the table, off the request path.
      for (const route of entry.paths) {
        const header = route.canary?.header;
        if (header?.match === 'pattern') preparePattern(header.pattern);
      }
      const compiled = new CompiledHost(entry, table.defaultBackend);
      if (entry.kind === 'exact') setFirst(this.#exactHosts, entry.host, compiled);
      else if (entry.kind === 'wildcard' && entry.host.startsWith('*.')) {
        setFirst(this.#wildcardHosts, entry.host.slice(2), compiled);
      } else if (entry.kind === 'any') anyHost ??= compiled;
    }
    this.#anyHost = anyHost;
    this.#noHost = fallbackMatch(null, table.defaultBackend);
    for (const backend of table.backends) setFirst(this.#backends, backend.id, backend);
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

// The reference matcher takes the first entry that fits; a sealed table has no duplicates anyway.
function setFirst<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key)) map.set(key, value);
}
