import {
  comparePathPrecedence,
  normalizePrefix,
  sealRouteTable,
  type Backend,
  type BackendProblem,
  type Endpoint,
  type HostRoutes,
  type MatchType,
  type PathRoute,
  type RoutePolicies,
  type RouteTable,
} from '../../src/ir/index.ts';
import {
  CertificateStore,
  generateSelfSigned,
  TableHolder,
  TLS_DEFAULTS,
} from '../../src/dataplane/index.ts';
import { silentLogger } from '../../src/observability/index.ts';

/** One path rule: host ('' or absent for rules without a host), path, match type, backend. */
export interface TestRoute {
  readonly host?: string;
  readonly path?: string;
  readonly match?: MatchType;
  readonly backend: string;
  /** Whether plain-HTTP requests are redirected to HTTPS (default false). */
  readonly sslRedirect?: boolean;
  /** The route's policies, as annotations would set them; none when absent. */
  readonly policies?: RoutePolicies;
}

/** A route table as a test declares it. Backends map to endpoints or to a problem. */
export interface TestTableSpec {
  readonly routes?: readonly TestRoute[];
  readonly defaultBackend?: string;
  readonly backends: Readonly<Record<string, readonly Endpoint[] | BackendProblem>>;
}

const HOST_ORDER = { exact: 0, wildcard: 1, any: 2 } as const;

/** Builds a sealed route table (the IR) the way translation would order it. */
export function buildTestTable(spec: TestTableSpec): RouteTable {
  const byHost = new Map<string, PathRoute[]>();
  for (const [index, route] of (spec.routes ?? []).entries()) {
    const match = route.match ?? 'Prefix';
    const path = route.path ?? '/';
    const paths = byHost.get(route.host ?? '') ?? [];
    paths.push({
      path: match === 'Prefix' ? normalizePrefix(path) : path,
      match,
      declaredPathType: match === 'Regex' ? 'ImplementationSpecific' : match,
      backend: route.backend,
      source: { namespace: 'test', name: 'ingress', rule: index, path: 0 },
      sslRedirect: route.sslRedirect ?? false,
      ...(route.policies === undefined ? {} : { policies: route.policies }),
    });
    byHost.set(route.host ?? '', paths);
  }
  const hosts = [...byHost].map(([host, paths]): HostRoutes => ({
    host,
    kind: host === '' ? 'any' : host.startsWith('*.') ? 'wildcard' : 'exact',
    paths: paths.sort(comparePathPrecedence),
    ...(paths.some((path) => path.match === 'Regex') ? { regex: true as const } : {}),
  }));
  hosts.sort((a, b) => HOST_ORDER[a.kind] - HOST_ORDER[b.kind] || a.host.localeCompare(b.host));
  const backends = Object.entries(spec.backends)
    .map(([id, value]): Backend => backendOf(id, value))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return sealRouteTable({
    hosts,
    defaultBackend:
      spec.defaultBackend === undefined
        ? null
        : { backend: spec.defaultBackend, namespace: 'test', name: 'ingress' },
    backends,
  });
}

function backendOf(id: string, value: readonly Endpoint[] | BackendProblem): Backend {
  const isProblem = !Array.isArray(value);
  return {
    id,
    namespace: 'test',
    service: id,
    port: 80,
    endpoints: isProblem ? [] : (value as readonly Endpoint[]),
    problem: isProblem ? (value as BackendProblem) : null,
  };
}

/** A TableHolder already holding the table a spec describes. */
export function holderWith(spec: TestTableSpec): TableHolder {
  const holder = new TableHolder();
  holder.swap(buildTestTable(spec));
  return holder;
}

/** Loopback endpoints for servers listening on these ports. */
export function loopback(...servers: readonly { readonly port: number }[]): Endpoint[] {
  return servers.map((server) => ({ address: '127.0.0.1', port: server.port }));
}

/**
 * A certificate store of the default TLS settings, serving a self-signed `fallback.invalid`
 * certificate, and a table holder that installs certificates into it: for HTTPS listeners.
 */
export function tlsTables(): { tables: TableHolder; store: CertificateStore } {
  const store = new CertificateStore({
    settings: TLS_DEFAULTS,
    fallback: generateSelfSigned({ dnsName: 'fallback.invalid' }),
    logger: silentLogger(),
  });
  return { tables: new TableHolder({ certificates: store }), store };
}
