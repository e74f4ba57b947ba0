import type { Backend, CanaryRoute, Problem } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import type { BackendReach } from './backends.ts';
import type { BackendSpec, IngressSpec } from './ingress-spec.ts';
import type { Claim } from './route-builder.ts';

/** What a canary Ingress's annotations ask for (canary-reader.ts). */
export interface CanaryRequest {
  /** The selection rules and balancing, for every route the canary attaches to. */
  readonly rules: Omit<CanaryRoute, 'backend' | 'source'>;
  /** `service-upstream` of the canary Ingress: its backend is reached by cluster IP. */
  readonly serviceUpstream: boolean;
}

/** The route builder's state a canary attaches to. */
export interface CanaryTarget {
  /** The claims of one host (`''`: rules without a host), by match and path. */
  claims(host: string): Map<string, Claim> | undefined;
  /** A backend already resolved, by id. */
  backend(id: string): Backend | undefined;
  /** Resolves a backend as the builder does, into its table; returns its id. */
  resolve(
    namespace: string,
    spec: BackendSpec,
    field: string,
    problems: Problem[],
    reach: BackendReach,
  ): string;
}

/**
 * Attaches the paths of a canary Ingress to the main routes, as ingress-nginx's
 * mergeAlternativeBackends does (controller.go): a canary path attaches to every route of the
 * same host whose path and pathType are those written on the canary (both forms of a Prefix path
 * in regex mode), unless the route already has a canary (one per route: the older canary keeps
 * it, as balancer.lua uses the first alternative backend) or the canary's Service port is the
 * route's own. A canary path with no such route has no effect, as there: ingress-nginx creates no
 * location for a canary. Its backend is reached as the main route's is (backend-protocol and
 * proxy-ssl belong to the location), with the canary's own service-upstream (the upstream's).
 */
export function attachCanary(
  ingress: StoredObject,
  spec: IngressSpec,
  request: CanaryRequest,
  target: CanaryTarget,
): Problem[] {
  const problems: Problem[] = [];
  const source = { namespace: ingress.namespace, name: ingress.name };
  if (spec.defaultBackend) {
    problems.push({
      code: 'CanaryWithoutMain',
      field: 'spec.defaultBackend',
      message:
        "a canary's spec.defaultBackend is not attached to the catch-all routes in pointsman; it has no effect",
    });
  }
  spec.rules.forEach((rule, ruleIndex) => {
    const host = rule.host ?? '';
    const hostLabel = rule.host === null ? 'host-less rule' : `host ${rule.host}`;
    rule.paths.forEach((path, pathIndex) => {
      const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`;
      const declaredPath = path.path === '' ? '/' : path.path;
      const what = `${hostLabel} ${path.pathType} ${JSON.stringify(declaredPath)}`;
      if (path.backend.type !== 'service') {
        problems.push({
          code: 'CanaryWithoutMain',
          field: `${field}.backend`,
          message: `${what}: a canary needs a Service backend, as in ingress-nginx; the path has no effect`,
        });
        return;
      }
      const claims = target.claims(host);
      const mains = [...(claims?.entries() ?? [])].filter(
        ([, claim]) =>
          claim.declaredPath === declaredPath && claim.route.declaredPathType === path.pathType,
      );
      if (claims === undefined || mains.length === 0) {
        problems.push({
          code: 'CanaryWithoutMain',
          field,
          message: `no other Ingress serves ${what}: the canary path has no effect (ingress-nginx serves no location for a canary)`,
        });
        return;
      }
      const service = path.backend;
      for (const [key, claim] of mains) {
        const main = target.backend(claim.route.backend);
        if (
          main !== undefined &&
          main.namespace === ingress.namespace &&
          main.service === service.name &&
          String(main.port) === String(service.port)
        ) {
          problems.push({
            code: 'CanaryConflict',
            field: `${field}.backend`,
            message: `${what}: the canary's Service port is the main route's own (${claim.owner}); the path has no effect`,
          });
          continue;
        }
        const held = claim.route.canary;
        if (held !== undefined) {
          problems.push({
            code: 'CanaryConflict',
            field,
            message: `${what} of ${claim.owner} already has the canary ${held.source.namespace}/${held.source.name} (one canary per route, the older one); the path has no effect`,
          });
          continue;
        }
        const reach: BackendReach = {
          protocol: main?.protocol ?? 'HTTP',
          serviceUpstream: request.serviceUpstream,
          ...(main?.tls === undefined ? {} : { proxySsl: main.tls }),
        };
        const backend = target.resolve(
          ingress.namespace,
          service,
          `${field}.backend`,
          problems,
          reach,
        );
        const canary: CanaryRoute = { backend, source, ...request.rules };
        claims.set(key, { ...claim, route: { ...claim.route, canary } });
      }
    });
  });
  // A Prefix path in regex mode attaches to two routes; say each problem once.
  return problems.filter(
    (problem, index) =>
      problems.findIndex(
        (other) => other.field === problem.field && other.message === problem.message,
      ) === index,
  );
}
