import {
  compareHosts,
  sealRouteTable,
  type HostRoutes,
  type PathRoute,
  type Problem,
  type RouteTable,
  type TlsHost,
} from '../ir/index.ts';
import { hostKind } from './route-builder.ts';
import {
  FROM_TO_WWW_REDIRECT_ANNOTATION as WWW,
  SERVER_ALIAS_ANNOTATION as ALIAS,
} from './annotations/index.ts';

/** What one Ingress asks for its rule hosts' other names. */
export interface HostNamesRequest {
  /** `namespace/name`. */
  readonly ingress: string;
  /** Its rule hosts (`''` left out). */
  readonly hosts: readonly string[];
  /** `server-alias`. */
  readonly aliases: readonly string[];
  /** `from-to-www-redirect`. */
  readonly fromToWww: boolean;
}

/** nginx's `http-redirect-code` default in ingress-nginx's ConfigMap, for the www twins. */
export const WWW_REDIRECT_CODE = 308;

/**
 * Adds the other names of hosts to a built table, as ingress-nginx adds them to its servers:
 * - `server-alias`: each alias serves exactly what its host serves (a copy of the host entry,
 *   and of its TLS binding, since nginx puts the alias in the same server block; an alias with
 *   a TLS entry of its own keeps its certificate and takes the host's client-certificate rules). The oldest
 *   Ingress that names aliases for a host sets them; an alias that is a host of its own, or
 *   another host's alias, is left out.
 * - `from-to-www-redirect`: the twin of an exact host (`www.` added or removed) answers every
 *   request with a 308 to the host, unless the twin is a host (or an alias) of its own.
 * Requests come oldest Ingress first. Returns the new table and the problems, by Ingress.
 */
export function addHostNames(
  table: RouteTable,
  requests: readonly HostNamesRequest[],
): { table: RouteTable; problems: Map<string, Problem[]> } {
  const problems = new Map<string, Problem[]>();
  const note = (ingress: string, message: string, field: string): void => {
    const list = problems.get(ingress) ?? [];
    list.push({ code: 'IgnoredAnnotation', field: `metadata.annotations[${field}]`, message });
    problems.set(ingress, list);
  };
  const byHost = new Map(table.hosts.map((entry) => [entry.host, entry]));
  const added: HostRoutes[] = [];
  const tls: TlsHost[] = [...table.tls];
  const aliasOwner = new Map<string, string>();
  const named = new Set<string>();
  for (const request of requests) {
    if (request.aliases.length === 0) continue;
    for (const host of request.hosts) {
      const entry = byHost.get(host);
      if (entry === undefined) continue;
      if (named.has(host)) {
        note(
          request.ingress,
          `aliases of ${host} are set by an older Ingress; these are ignored`,
          ALIAS,
        );
        continue;
      }
      named.add(host);
      for (const alias of request.aliases) {
        if (alias === host) continue;
        const taken = byHost.has(alias)
          ? 'a host of its own'
          : aliasOwner.has(alias)
            ? `an alias of ${String(aliasOwner.get(alias))}`
            : null;
        if (taken !== null) {
          note(request.ingress, `alias ${alias} is ${taken}; it is ignored`, ALIAS);
          continue;
        }
        aliasOwner.set(alias, host);
        added.push({ ...entry, host: alias, kind: hostKind(alias) });
        const binding = table.tls.find((candidate) => candidate.host === host);
        const own = tls.findIndex((candidate) => candidate.host === alias);
        if (binding !== undefined && own < 0) {
          tls.push({
            ...binding,
            host: alias,
            kind: alias.startsWith('*.') ? 'wildcard' : 'exact',
          });
        } else if (binding?.clientCertificates !== undefined && own >= 0) {
          // The alias keeps its own certificate but is the same server: it asks for client
          // certificates as its host does, or listing it in spec.tls would skip them.
          tls[own] = { ...(tls[own] as TlsHost), clientCertificates: binding.clientCertificates };
        }
      }
    }
  }
  const twins = new Set<string>();
  for (const request of requests) {
    if (!request.fromToWww) continue;
    for (const host of request.hosts) {
      const entry = byHost.get(host);
      // The twin's route is attributed to the Ingress that asked for it.
      const own = entry?.paths.find(
        (route) => `${route.source.namespace}/${route.source.name}` === request.ingress,
      );
      if (entry === undefined || own === undefined || entry.kind !== 'exact') continue;
      const twin = host.startsWith('www.') ? host.slice(4) : `www.${host}`;
      if (byHost.has(twin) || aliasOwner.has(twin) || twins.has(twin)) {
        if (!twins.has(twin))
          note(
            request.ingress,
            `${twin} is a host of its own; it does not redirect to ${host}`,
            WWW,
          );
        continue;
      }
      twins.add(twin);
      added.push({ host: twin, kind: 'exact', paths: [twinRoute(own, host)] });
    }
  }
  if (added.length === 0) return { table, problems };
  const hosts = [...table.hosts, ...added].sort(compareHosts);
  tls.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const content = {
    hosts,
    defaultBackend: table.defaultBackend,
    backends: table.backends,
    tls,
    defaultCertificate: table.defaultCertificate,
    ...(table.passthrough === undefined ? {} : { passthrough: table.passthrough }),
  };
  return { table: sealRouteTable(content), problems };
}

/** The one route of a www twin: every request redirects to the same URI on the host. */
function twinRoute(template: PathRoute, host: string): PathRoute {
  return {
    path: '/',
    match: 'Prefix',
    declaredPathType: 'Prefix',
    backend: template.backend,
    source: template.source,
    sslRedirect: false,
    policies: {
      redirect: {
        code: WWW_REDIRECT_CODE,
        location: [{ variable: 'scheme' }, { text: `://${host}` }, { variable: 'request_uri' }],
        onlyRoot: false,
      },
    },
  };
}
