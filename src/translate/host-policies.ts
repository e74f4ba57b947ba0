import type { Problem, RouteRefusal } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { isRegexPath, type IngressAnnotations } from './annotations/index.ts';
import type { HostNamesRequest } from './host-aliases.ts';
import type { IngressSpec } from './ingress-spec.ts';

/*
 * Decisions that one Ingress's annotations make for every Ingress on its hosts, as ingress-nginx
 * makes them per server block: regex mode, a server-snippet that fails the host closed, and the
 * other names of a host.
 */

/**
 * Hosts whose server-snippet (any Ingress's, canaries left out) has an access directive: the
 * directive guards the whole server in ingress-nginx, so every route on such a host fails closed.
 */
export function serverSnippetRefusals(
  ingresses: readonly { spec: IngressSpec; annotations: IngressAnnotations }[],
): Map<string, RouteRefusal> {
  const refusals = new Map<string, RouteRefusal>();
  for (const { spec, annotations } of ingresses) {
    const keys = annotations.audit.failClosed.filter((key) => key.endsWith('/server-snippet'));
    if (keys.length === 0 || annotations.audit.canary) continue;
    for (const rule of spec.rules) {
      const host = rule.host ?? '';
      const known = refusals.get(host)?.annotations ?? [];
      const merged = [...new Set([...known, ...keys])].sort();
      refusals.set(host, { code: 'AccessControlNotEnforced', annotations: merged });
    }
  }
  return refusals;
}

/** What an Ingress is told when another Ingress's server-snippet fails its hosts closed. */
export function hostRefusalProblems(
  spec: IngressSpec,
  refusals: ReadonlyMap<string, RouteRefusal>,
): Problem[] {
  const hosts = new Set(spec.rules.map((rule) => rule.host ?? ''));
  return [...hosts].flatMap((host) => {
    const refusal = refusals.get(host);
    if (refusal === undefined) return [];
    const where = host === '' ? 'rules without a host' : host;
    const message = `the routes on ${where} answer 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED: a server-snippet on the host (${refusal.annotations.join(', ')}) has access directives pointsman does not enforce`;
    return [{ code: 'AccessControlNotEnforced' as const, message }];
  });
}

/** What each Ingress (oldest first, canaries left out) asks for its hosts' other names. */
export function hostNamesRequests(
  ingresses: readonly {
    object: StoredObject;
    spec: IngressSpec;
    annotations: IngressAnnotations;
  }[],
): HostNamesRequest[] {
  return ingresses
    .filter(({ annotations }) => !annotations.audit.canary)
    .map(({ object, spec, annotations }) => ({
      ingress: `${object.namespace}/${object.name}`,
      hosts: spec.rules.flatMap((rule) => (rule.host === null ? [] : [rule.host])),
      aliases: annotations.hostNames.aliases,
      fromToWww: annotations.hostNames.fromToWww,
    }));
}

/**
 * The rule hosts (`''` for rules without one) in regex mode: as in ingress-nginx, one regex path
 * (`use-regex`, or a `rewrite-target` other than the path) turns every path of its host into one,
 * whichever Ingress it belongs to. Canaries are left out, since their routes are not served.
 */
export function regexHostsOf(
  ingresses: readonly { spec: IngressSpec; annotations: IngressAnnotations }[],
): Set<string> {
  const hosts = new Set<string>();
  for (const { spec, annotations } of ingresses) {
    if (annotations.audit.canary) continue;
    for (const rule of spec.rules) {
      const regex = rule.paths.some((path) => isRegexPath(annotations.regexPaths, path.path));
      if (regex) hosts.add(rule.host ?? '');
    }
  }
  return hosts;
}
