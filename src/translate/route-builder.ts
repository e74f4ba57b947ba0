import {
  compareHosts,
  comparePathPrecedence,
  normalizePrefix,
  sealRouteTable,
  type Backend,
  type BackendProtocol,
  type DefaultRoute,
  type HostKind,
  type HostRoutes,
  type PassthroughHost,
  type PathRoute,
  type Problem,
  patternProblem,
  type RewritePart,
  type RoutePolicies,
  type RouteRefusal,
  type RouteTable,
  type TlsDefaultCertificate,
  type TlsHost,
} from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { backendId, resolveBackend, type BackendReach, type ServiceIndex } from './backends.ts';
import { attachCanary, type CanaryRequest } from './canary-attach.ts';
import { ErrorBackends, type ErrorPageDefaults } from './error-backends.ts';
import {
  accessPoliciesOf,
  isRegexPath,
  mergeServerPolicies,
  type RegexPathsRead,
} from './annotations/index.ts';
import type { BackendSpec, IngressSpec, PathSpec } from './ingress-spec.ts';

/** How the routes of one Ingress are served, from its annotations. */
export interface IngressPolicies {
  /** Whether plain-HTTP requests for a rule host (null: no host) are redirected to HTTPS. */
  readonly sslRedirect?: (host: string | null) => boolean;
  /** How the Ingress's backends, its default backend included, are reached. */
  readonly protocol?: BackendProtocol;
  /** service-upstream: its backends are reached through their Service's cluster IP. */
  readonly serviceUpstream?: boolean;
  /** proxy-ssl: how TLS to its backends is verified (only with a TLS protocol). */
  readonly proxySsl?: BackendReach['proxySsl'];
  /** Set when the Ingress fails closed: each of its routes is refused instead of forwarded. */
  readonly refusal?: RouteRefusal;
  /** How each route of the Ingress is served beyond its backend; none when absent or empty. */
  readonly route?: RoutePolicies;
  /** The server-snippet policies of each rule host (`''`: no host), merged into its routes. */
  readonly serverPolicies?: ReadonlyMap<string, Partial<RoutePolicies>>;
  /**
   * Rule hosts that fail closed whatever the Ingress: a server-snippet with an access directive
   * guards the whole server block in ingress-nginx, so every route on its host is refused.
   */
  readonly hostRefusals?: ReadonlyMap<string, RouteRefusal>;
  /** Rule hosts (`''`: no host) in regex mode, where every path becomes a `Regex` path. */
  readonly regexHosts?: ReadonlySet<string>;
  /** `use-regex` and `rewrite-target`, as regexPathsOf reads them. */
  readonly regexPaths?: Pick<RegexPathsRead, 'useRegex' | 'rewrite'>;
}

const NO_REGEX = { useRegex: false, rewrite: null } as const;

/** The default backend's share of an Ingress's policies: its access rules (access-policies.ts). */
function accessOf(policies: RoutePolicies | undefined): { policies?: RoutePolicies } {
  const access = accessPoliciesOf(policies);
  return access === undefined ? {} : { policies: access };
}

/** A host+path+type claimed by an Ingress: its route, and the path as the Ingress wrote it. */
export interface Claim {
  readonly route: PathRoute;
  readonly owner: string;
  /** `spec.rules[].http.paths[].path` as written (`/` for an empty one): canaries match it. */
  readonly declaredPath: string;
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
  readonly #regexHosts = new Set<string>();
  #defaultBackend: (DefaultRoute & { readonly owner: string }) | null = null;
  readonly #errorBackends: ErrorBackends;

  /** `errorPages`: the global `--default-backend-service` and `--custom-http-errors`. */
  constructor(services: ServiceIndex, errorPages: ErrorPageDefaults = {}) {
    this.#services = services;
    this.#errorBackends = new ErrorBackends(
      services,
      errorPages,
      (namespace, spec, field, problems) =>
        this.#backend(namespace, spec, field, problems, {
          protocol: 'HTTP',
          serviceUpstream: false,
        }),
    );
  }

  /** Adds one accepted Ingress (callers go oldest first); returns its problems. */
  add(ingress: StoredObject, spec: IngressSpec, policies: IngressPolicies = {}): Problem[] {
    const { sslRedirect = () => false, protocol = 'HTTP', refusal } = policies;
    const { regexHosts, regexPaths = NO_REGEX, serverPolicies, hostRefusals } = policies;
    const reach: BackendReach = {
      protocol,
      serviceUpstream: policies.serviceUpstream ?? false,
      ...(policies.proxySsl === undefined ? {} : { proxySsl: policies.proxySsl }),
    };
    const withRefusal = refusal === undefined ? {} : { refusal };
    const refusalOn = (host: string): { refusal?: RouteRefusal } => {
      const chosen = refusal ?? hostRefusals?.get(host);
      return chosen === undefined ? {} : { refusal: chosen };
    };
    const owner = `${ingress.namespace}/${ingress.name}`;
    const problems: Problem[] = [];
    const routePolicies = this.#errorBackends.resolve(ingress.namespace, policies.route, problems);
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
          reach,
        );
        this.#defaultBackend = {
          backend,
          namespace: ingress.namespace,
          name: ingress.name,
          owner,
          ...withRefusal,
          ...this.#errorBackends.globalPolicies(),
          ...accessOf(routePolicies),
        };
      }
    }
    spec.rules.forEach((rule, ruleIndex) => {
      const host = rule.host ?? '';
      const claims = this.#hostClaims(host);
      const redirect = sslRedirect(rule.host);
      const regexHost = regexHosts?.has(host) ?? false;
      const hostPolicies = mergeServerPolicies(serverPolicies?.get(host), routePolicies);
      rule.paths.forEach((path, pathIndex) => {
        const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`;
        const regexPath = isRegexPath(regexPaths, path.path);
        const forms = regexHost ? regexForms(path, regexPath) : [matchOf(path)];
        for (const form of forms) {
          const { match } = form;
          let normalized = form.normalized;
          const invalid = match === 'Regex' ? patternProblem(normalized) : null;
          if (invalid !== null) {
            // Fail closed: an Ingress that asks for access control keeps its paths claimed, so
            // a pattern RE2 refuses is replaced by its literal start, and refused.
            const fallback =
              refusalOn(host).refusal === undefined ? null : literalStart(normalized);
            problems.push({
              code: 'InvalidRegexPath',
              field: `${field}.path`,
              message: `${JSON.stringify(normalized.slice(0, 80))} on ${hostLabel(rule.host)} (in regex mode) is not a pattern RE2 accepts: ${invalid}; ${fallback === null ? 'the path is not served' : `requests starting with ${fallback} are refused instead, as the Ingress fails closed`}`,
            });
            if (fallback === null) continue;
            normalized = fallback;
          }
          const key = `${match} ${normalized}`;
          const holder = claims.get(key);
          if (holder) {
            problems.push({
              code: 'Conflict',
              field,
              message: `${hostLabel(rule.host)} ${path.pathType} ${JSON.stringify(path.path)} is already served by ${holder.owner === owner ? 'an earlier path of this Ingress' : `older Ingress ${holder.owner}`}`,
            });
            continue;
          }
          if (match === 'Regex') this.#regexHosts.add(host);
          const backend = this.#backend(
            ingress.namespace,
            path.backend,
            `${field}.backend`,
            problems,
            reach,
          );
          const source = {
            namespace: ingress.namespace,
            name: ingress.name,
            rule: ruleIndex,
            path: pathIndex,
          };
          const { rewrite } = regexPaths;
          const rewrites = match === 'Regex' && rewrite !== null && rewrite.text !== path.path;
          const route = {
            path: normalized,
            match,
            declaredPathType: path.pathType,
            backend,
            source,
            sslRedirect: redirect,
            ...refusalOn(host),
            ...withPoliciesAnd(hostPolicies, rewrites ? rewrite.parts : undefined),
          };
          claims.set(key, { route, owner, declaredPath: path.path === '' ? '/' : path.path });
        }
      });
    });
    // A path that becomes two regex paths resolves its backend twice; say each problem once.
    return problems.filter(
      (problem, index) =>
        problems.findIndex(
          (other) =>
            other.code === problem.code &&
            other.field === problem.field &&
            other.message === problem.message,
        ) === index,
    );
  }

  /**
   * Attaches a canary Ingress's paths to the main routes of the same host, path and pathType
   * (canary-attach.ts). Call it once every other Ingress is added. Returns its problems.
   */
  attachCanary(ingress: StoredObject, spec: IngressSpec, canary: CanaryRequest): Problem[] {
    return attachCanary(ingress, spec, canary, {
      claims: (host) => this.#hosts.get(host),
      backend: (id) => this.#backends.get(id),
      resolve: (namespace, backend, field, problems, reach) =>
        this.#backend(namespace, backend, field, problems, reach),
    });
  }

  /**
   * The route of a host's root path `/` and the Ingress (`namespace/name`) that holds it: the
   * Prefix one, else (in regex mode) the Regex one, else the Exact one. Undefined when none.
   */
  rootRoute(host: string): { readonly route: PathRoute; readonly owner: string } | undefined {
    const claims = this.#hosts.get(host);
    return claims?.get('Prefix /') ?? claims?.get('Regex /') ?? claims?.get('Exact /');
  }

  /**
   * The sealed table, in canonical order, with the TLS hosts (sorted), the default certificate
   * and the passthrough hosts (sorted).
   */
  build(
    tls: readonly TlsHost[] = [],
    defaultCertificate: TlsDefaultCertificate | null = null,
    passthrough: readonly PassthroughHost[] = [],
  ): RouteTable {
    const hosts: HostRoutes[] = [...this.#hosts.entries()].map(([host, claims]) => ({
      host,
      kind: hostKind(host),
      paths: [...claims.values()].map((claim) => claim.route).sort(comparePathPrecedence),
      ...(this.#regexHosts.has(host) ? { regex: true as const } : {}),
    }));
    hosts.sort(compareHosts);
    const fallback = this.#defaultBackend;
    const defaultBackend: DefaultRoute | null = fallback
      ? {
          backend: fallback.backend,
          namespace: fallback.namespace,
          name: fallback.name,
          ...(fallback.refusal === undefined ? {} : { refusal: fallback.refusal }),
          ...(fallback.errorPages === undefined ? {} : { errorPages: fallback.errorPages }),
          ...(fallback.policies === undefined ? {} : { policies: fallback.policies }),
        }
      : this.#errorBackends.globalDefaultRoute();
    // Resolved after the routes: the global default backend joins the backends when used.
    const backends = [...this.#backends.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return sealRouteTable({
      hosts,
      defaultBackend,
      backends,
      tls,
      defaultCertificate,
      passthrough,
    });
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
    reach: BackendReach,
  ): string {
    const resolved =
      this.#backends.get(backendId(namespace, spec, reach)) ??
      resolveBackend(namespace, spec, this.#services, reach);
    if (resolved.problem) problems.push({ ...resolved.problem, field });
    this.#backends.set(resolved.id, resolved);
    return resolved.id;
  }
}

/**
 * The paths a rule path becomes on a host in regex mode, as ingress-nginx writes its locations
 * (controller/location.go): a regex Ingress's path as written; another Ingress's Prefix path
 * `/p` both as `/p/` and as `/p` (nginx's prefix location and the exact one it adds), other
 * paths as written. In regex mode each is matched as `~* "^PATH"`, whatever its pathType.
 */
function regexForms(path: PathSpec, regexPath: boolean): { match: 'Regex'; normalized: string }[] {
  const written = path.path === '' ? '/' : path.path;
  if (regexPath || path.pathType !== 'Prefix' || written === '/' || written.endsWith('/')) {
    return [{ match: 'Regex', normalized: written }];
  }
  return [
    { match: 'Regex', normalized: `${written}/` },
    { match: 'Regex', normalized: written },
  ];
}

/**
 * The part of a pattern before its first regular-expression character, as a pattern that
 * matches every path the whole one could (a `|` anywhere makes it `/`, since an alternative may
 * start anywhere).
 */
function literalStart(pattern: string): string {
  if (pattern.includes('|')) return '/';
  const end = pattern.search(/[\\.^$*+?()[\]{}]/);
  const start = end < 0 ? pattern : pattern.slice(0, end);
  return start === '' ? '/' : start;
}

function withPoliciesAnd(
  policies: RoutePolicies | undefined,
  rewrite: readonly RewritePart[] | undefined,
): { policies?: RoutePolicies } {
  const merged = rewrite === undefined ? policies : { ...policies, rewrite };
  return merged === undefined || Object.keys(merged).length === 0 ? {} : { policies: merged };
}

/** ImplementationSpecific is treated as Prefix; an empty path is the root. */
function matchOf(path: PathSpec): { match: 'Exact' | 'Prefix'; normalized: string } {
  if (path.pathType === 'Exact') return { match: 'Exact', normalized: path.path };
  return { match: 'Prefix', normalized: normalizePrefix(path.path === '' ? '/' : path.path) };
}

/** The kind of a rule host: `''` is any host, `*.` a wildcard. */
export function hostKind(host: string): HostKind {
  return host === '' ? 'any' : host.startsWith('*.') ? 'wildcard' : 'exact';
}

function hostLabel(host: string | null): string {
  return host === null ? 'host-less rule' : `host ${host}`;
}
