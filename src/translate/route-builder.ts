import {
  comparePathPrecedence,
  normalizePrefix,
  sealRouteTable,
  type Backend,
  type BackendProtocol,
  type DefaultRoute,
  type HostKind,
  type HostRoutes,
  type PathRoute,
  type Problem,
  type RouteTable,
  type TlsDefaultCertificate,
  type TlsHost,
} from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { backendId, resolveBackend, type ServiceIndex } from './backends.ts';
import type { BackendSpec, IngressSpec, PathSpec } from './ingress-spec.ts';

interface Claim {
  readonly route: PathRoute;
  readonly owner: string;
}

/**
 * Collects the routes of accepted Ingresses, oldest first, into one table. Hosts spread over
 * several Ingresses merge; the first Ingress to claim a host+path+type keeps it and later
 * claims get a Conflict problem; the first default backend wins likewise.
 */
export class RouteBuilder {
  readonly #services: ServiceIndex;
  readonly #hosts = new Map<string, Map<string, Claim>>();
  readonly #backends = new Map<string, Backend>();
  #defaultBackend: (DefaultRoute & { readonly owner: string }) | null = null;

  constructor(services: ServiceIndex) {
    this.#services = services;
  }

  /**
   * Adds one accepted Ingress (callers go oldest first); returns its problems. `sslRedirect`
   * says whether plain-HTTP requests for a rule host (null: no host) are redirected to HTTPS;
   * `protocol` is how the Ingress's backends, its default backend included, are reached.
   */
  add(
    ingress: StoredObject,
    spec: IngressSpec,
    sslRedirect: (host: string | null) => boolean = () => false,
    protocol: BackendProtocol = 'HTTP',
  ): Problem[] {
    const owner = `${ingress.namespace}/${ingress.name}`;
    const problems: Problem[] = [];
    if (spec.defaultBackend) {
      const field = 'spec.defaultBackend';
      if (this.#defaultBackend) {
        problems.push({
          code: 'DefaultBackendConflict',
          field,
          message: `the default backend of older Ingress ${this.#defaultBackend.owner} is used instead`,
        });
      } else {
        const backend = this.#backend(
          ingress.namespace,
          spec.defaultBackend,
          field,
          problems,
          protocol,
        );
        this.#defaultBackend = { backend, namespace: ingress.namespace, name: ingress.name, owner };
      }
    }
    spec.rules.forEach((rule, ruleIndex) => {
      const claims = this.#hostClaims(rule.host ?? '');
      const redirect = sslRedirect(rule.host);
      rule.paths.forEach((path, pathIndex) => {
        const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`;
        const { match, normalized } = matchOf(path);
        const key = `${match} ${normalized}`;
        const holder = claims.get(key);
        if (holder) {
          problems.push({
            code: 'Conflict',
            field,
            message: `${hostLabel(rule.host)} ${path.pathType} ${JSON.stringify(path.path)} is already served by ${holder.owner === owner ? 'an earlier path of this Ingress' : `older Ingress ${holder.owner}`}`,
          });
          return;
        }
        const backend = this.#backend(
          ingress.namespace,
          path.backend,
          `${field}.backend`,
          problems,
          protocol,
        );
        const source = {
          namespace: ingress.namespace,
          name: ingress.name,
          rule: ruleIndex,
          path: pathIndex,
        };
        const route = {
          path: normalized,
          match,
          declaredPathType: path.pathType,
          backend,
          source,
          sslRedirect: redirect,
        };
        claims.set(key, { route, owner });
      });
    });
    return problems;
  }

  /** The sealed table, in canonical order, with the TLS hosts (sorted) and default certificate. */
  build(
    tls: readonly TlsHost[] = [],
    defaultCertificate: TlsDefaultCertificate | null = null,
  ): RouteTable {
    const hosts: HostRoutes[] = [...this.#hosts.entries()].map(([host, claims]) => ({
      host,
      kind: hostKind(host),
      paths: [...claims.values()].map((claim) => claim.route).sort(comparePathPrecedence),
    }));
    hosts.sort(compareHosts);
    const backends = [...this.#backends.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const fallback = this.#defaultBackend;
    const defaultBackend = fallback
      ? { backend: fallback.backend, namespace: fallback.namespace, name: fallback.name }
      : null;
    return sealRouteTable({ hosts, defaultBackend, backends, tls, defaultCertificate });
  }

  #hostClaims(host: string): Map<string, Claim> {
    let claims = this.#hosts.get(host);
    if (!claims) {
      claims = new Map();
      this.#hosts.set(host, claims);
    }
    return claims;
  }

  #backend(
    namespace: string,
    spec: BackendSpec,
    field: string,
    problems: Problem[],
    protocol: BackendProtocol,
  ): string {
    const resolved =
      this.#backends.get(backendId(namespace, spec, protocol)) ??
      resolveBackend(namespace, spec, this.#services, protocol);
    if (resolved.problem) problems.push({ ...resolved.problem, field });
    this.#backends.set(resolved.id, resolved);
    return resolved.id;
  }
}

/** ImplementationSpecific is treated as Prefix; an empty path is the root. */
function matchOf(path: PathSpec): { match: 'Exact' | 'Prefix'; normalized: string } {
  if (path.pathType === 'Exact') return { match: 'Exact', normalized: path.path };
  return { match: 'Prefix', normalized: normalizePrefix(path.path === '' ? '/' : path.path) };
}

function hostKind(host: string): HostKind {
  return host === '' ? 'any' : host.startsWith('*.') ? 'wildcard' : 'exact';
}

const KIND_ORDER: Readonly<Record<HostKind, number>> = { exact: 0, wildcard: 1, any: 2 };

function compareHosts(a: HostRoutes, b: HostRoutes): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  return a.host < b.host ? -1 : a.host > b.host ? 1 : 0;
}

function hostLabel(host: string | null): string {
  return host === null ? 'host-less rule' : `host ${host}`;
}
