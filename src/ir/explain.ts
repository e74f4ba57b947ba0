import { wildcardSuffix } from './host.ts';
import { isTargetRefusal, parseRequestTarget } from './request-target.ts';
import { upstreamPath } from './upstream-path.ts';
import { parametersChangeRoute } from './path-parameters.ts';
import { selfAnswerOf } from './self-answer.ts';
import { pathMatches } from './path-match.ts';
import { comparePathPrecedence } from './precedence.ts';
import { ReferenceMatcher } from './reference-matcher.ts';
import { templateText } from './template.ts';
import type { HostRoutes, PathRoute, RouteRefusal, RouteTable } from './route-table.ts';

/** A route that was considered for a request and did not win, with the reason. */
export interface Candidate {
  readonly ingress: { readonly namespace: string; readonly name: string } | null;
  readonly host: string | null;
  readonly path: string | null;
  readonly pathType: string | null;
  readonly why: string;
}

/** What happens to one request, for people and scripts (`pointsman explain`). */
export interface Explanation {
  /**
   * The status the proxy answers with: 200 when a ready endpoint would serve it, the redirect's
   * code (300-308) for a route that redirects, 503 when the backend cannot serve it or the
   * route fails closed, 404 without a route, 400 for a target the proxy refuses.
   */
  readonly status: number;
  readonly ingress: { readonly namespace: string; readonly name: string } | null;
  /** The matched rule's host; null for a host-less rule, the default backend, or no match. */
  readonly host: string | null;
  readonly path: string | null;
  readonly pathType: string | null;
  readonly service: {
    readonly namespace: string;
    readonly name: string;
    readonly port: number | string;
  } | null;
  readonly endpoints: readonly string[];
  readonly reason: string;
  /**
   * The request as routing sees it: the normalised host and path, and the path and query the
   * upstream would receive (null when the target is refused).
   */
  readonly request: {
    readonly host: string;
    readonly path: string;
    readonly forwardPath: string | null;
  };
  readonly candidates: readonly Candidate[];
  /** For a regex route with a rewrite: what its pattern captured (`[$0, $1, ...]`). */
  readonly captures?: readonly string[];
}

/**
 * Explains how the table routes a request: which Ingress, rule and path match, why the other
 * routes of the selected host (and the hosts not selected) lose, and which endpoints would
 * serve it. The target (origin form, `/path?query`, as a client sends it on the wire) goes
 * through the proxy's own parser, so a target the proxy refuses is explained as a 400. Uses the
 * reference matcher, so it says what the data plane's contract is.
 */
export function explainRequest(table: RouteTable, rawHost: string, target: string): Explanation {
  const parsed = parseRequestTarget(target, rawHost);
  if (isTargetRefusal(parsed)) {
    const request = { host: rawHost, path: target, forwardPath: null };
    return { ...noRoute(request, parsed.reason), status: 400 };
  }
  const { host, path } = parsed;
  const matcher = new ReferenceMatcher(table);
  const result = matcher.match(host, path);
  if (parametersChangeRoute(matcher, host, path, result)) {
    const reason = `the ;parameters of ${path} change its route (without them, as servlet containers read it, it matches another rule)`;
    return { ...noRoute({ host, path, forwardPath: null }, reason), status: 400 };
  }
  // A rewrite changes what the upstream receives: explain shows that, as the proxy sends it.
  const request = { host, path, forwardPath: upstreamPath(result, parsed) };
  const candidates = [
    ...hostCandidates(table, host, result.host),
    ...(result.host ? pathCandidates(result.host, path, result.route) : []),
  ];
  if (result.kind === 'none') {
    const why = result.host
      ? `no path of ${describeHost(result.host)} matches ${path} and there is no default backend`
      : `no rule matches host ${host} and there is no default backend`;
    return { ...noRoute(request, why), candidates };
  }
  const backend = table.backends.find((candidate) => candidate.id === result.backend);
  const source = result.route?.source ?? table.defaultBackend;
  const matched = result.route
    ? `${describeHost(result.host)} ${result.route.declaredPathType} ${result.route.path}`
    : result.host
      ? `the default backend (no path of ${describeHost(result.host)} matches ${path})`
      : 'the default backend (no rule matches the host)';
  const refusal = result.kind === 'default' ? table.defaultBackend?.refusal : result.route?.refusal;
  const ok =
    refusal === undefined &&
    backend !== undefined &&
    backend.problem === null &&
    backend.endpoints.length > 0;
  const self =
    refusal === undefined && result.route !== null ? selfAnswerOf(result.route, path) : null;
  // In the proxy's order: fail closed, then an answer of the route's own (a redirect, a fixed
  // answer: whatever the backend), then the backend.
  const failure =
    ok || self !== null
      ? ''
      : `, but ${refusalReason(refusal) ?? backend?.problem?.message ?? 'the backend is unknown'}`;
  const rewriteRefused = refusal === undefined && self === null && request.forwardPath === null;
  const selfCode =
    self === null ? null : self.kind === 'redirect' ? self.redirect.code : self.answer.code;
  const status =
    refusal !== undefined ? 503 : (selfCode ?? (rewriteRefused ? 400 : ok ? 200 : 503));
  const selfText =
    self === null
      ? ''
      : self.kind === 'redirect'
        ? `; it redirects with ${String(self.redirect.code)} to ${templateText(self.redirect.location)} and never proxies`
        : `; it answers ${String(self.answer.code)} itself (a snippet's return) and never proxies`;
  const rewriteText = rewriteRefused
    ? '; the rewritten path is refused by the target parser (400)'
    : '';
  return {
    status,
    ingress: source ? { namespace: source.namespace, name: source.name } : null,
    host: result.route && result.host && result.host.kind !== 'any' ? result.host.host : null,
    path: result.route?.path ?? null,
    pathType: result.route?.declaredPathType ?? null,
    service: backend?.service
      ? { namespace: backend.namespace, name: backend.service, port: backend.port }
      : null,
    endpoints: backend?.endpoints.map((e) => formatEndpoint(e.address, e.port)) ?? [],
    reason: `matched ${matched}${failure}${selfText}${rewriteText}`,
    request,
    candidates,
    ...(result.captures === undefined ? {} : { captures: result.captures }),
  };
}

function refusalReason(refusal: RouteRefusal | undefined): string | null {
  if (refusal === undefined) return null;
  return `its Ingress asks for access control pointsman does not enforce (${refusal.annotations.join(', ')}), so it answers 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED`;
}

function noRoute(request: Explanation['request'], reason: string): Explanation {
  return {
    status: 404,
    ingress: null,
    host: null,
    path: null,
    pathType: null,
    service: null,
    endpoints: [],
    reason,
    request,
    candidates: [],
  };
}

/** Host entries that would also take the request, but lose to a more specific one. */
function hostCandidates(
  table: RouteTable,
  requestHost: string,
  selected: HostRoutes | null,
): Candidate[] {
  if (!selected) return [];
  const suffix = wildcardSuffix(requestHost);
  return table.hosts
    .filter(
      (entry) =>
        entry !== selected &&
        ((entry.kind === 'any' && selected.kind !== 'any') ||
          (entry.kind === 'wildcard' &&
            selected.kind === 'exact' &&
            entry.host === `*.${suffix ?? ''}`)),
    )
    .map((entry) => ({
      ingress: null,
      host: entry.kind === 'any' ? null : entry.host,
      path: null,
      pathType: null,
      why: `${describeHost(entry)} is less specific than ${describeHost(selected)}, which takes the request`,
    }));
}

function pathCandidates(entry: HostRoutes, path: string, winner: PathRoute | null): Candidate[] {
  return entry.paths
    .filter((route) => route !== winner)
    .map((route) => ({
      ingress: { namespace: route.source.namespace, name: route.source.name },
      host: entry.kind === 'any' ? null : entry.host,
      path: route.path,
      pathType: route.declaredPathType,
      why: pathMatches(route.match, route.path, path)
        ? `matches too, but ${winner ? loserReason(route, winner) : 'loses'}`
        : mismatchReason(route, path),
    }));
}

function loserReason(route: PathRoute, winner: PathRoute): string {
  if (comparePathPrecedence(route, winner) <= 0) return 'an equal route won';
  return route.path.length < winner.path.length
    ? `${winner.path} is longer`
    : 'Exact beats Prefix on paths of equal length';
}

function mismatchReason(route: PathRoute, path: string): string {
  if (route.match === 'Exact') return `Exact ${route.path} is not equal to ${path}`;
  if (path.startsWith(route.path)) {
    return `Prefix ${route.path} matches whole path segments only, and ${path} continues the last one`;
  }
  return `Prefix ${route.path} is not a prefix of ${path}`;
}

function describeHost(entry: HostRoutes | null): string {
  if (!entry) return 'no host';
  return entry.kind === 'any' ? 'the rules without a host' : `host ${entry.host}`;
}

function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${String(port)}` : `${address}:${String(port)}`;
}
