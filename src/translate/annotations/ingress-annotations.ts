import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { backendProtocolOf, type BackendProtocolRead } from '../backend-protocol.ts';
import { redirectPolicyOf, type RedirectPolicyRead } from '../tls/index.ts';
import { auditAnnotations, type AnnotationAudit } from './audit-annotations.ts';
import { hostAliasesOf, type HostAliasesRead } from './host-aliases-reader.ts';
import { POLICY_READERS } from './policy-readers.ts';
import { proxySslOf, type ProxySslRequest } from './proxy-ssl-reader.ts';
import { serviceUpstreamOf } from './service-upstream.ts';
import { regexPathsOf, type RegexPathsRead } from './regex-paths.ts';
import { routePoliciesOf } from './route-policies.ts';
import { readServerSnippet } from './snippet-reader.ts';
import { emptyReaderContext, type ReaderContext } from './reader-context.ts';

/** Everything an Ingress's annotations say about serving it, read once per translation. */
export interface IngressAnnotations {
  readonly audit: AnnotationAudit;
  readonly redirect: RedirectPolicyRead['policy'];
  readonly backendProtocol: BackendProtocolRead['protocol'];
  readonly route: RoutePolicies;
  /**
   * What the server-snippet adds to the routes of the Ingress's hosts; null without one. An
   * Ingress whose snippet fails closed has one, empty: it still holds its hosts' server-snippet.
   */
  readonly server: Partial<RoutePolicies> | null;
  readonly regexPaths: RegexPathsRead;
  /** `server-alias` and `from-to-www-redirect`, applied to the built table (host-aliases.ts). */
  readonly hostNames: HostAliasesRead;
  /** `service-upstream`: the backends are reached through their Service's cluster IP. */
  readonly serviceUpstream: boolean;
  /** `proxy-ssl-*`: how TLS to the backends is verified; null without `proxy-ssl-secret`. */
  readonly proxySsl: ProxySslRequest | null;
  /**
   * The keys of access control that is asked for and not enforced (unknown to pointsman, or
   * honoured but unreadable): the Ingress fails closed when there is any. Sorted, no repeats.
   */
  readonly failClosed: readonly string[];
  /** Every problem the annotations have, in a stable order. */
  readonly problems: readonly Problem[];
}

/** Reads an Ingress's annotations under the given ingress-nginx prefixes. Pure. */
export function readIngressAnnotations(
  annotations: Readonly<Record<string, string>>,
  prefixes: readonly string[],
  context: ReaderContext = emptyReaderContext(),
): IngressAnnotations {
  const audit = auditAnnotations(annotations, prefixes);
  const redirect = redirectPolicyOf(audit.canonical);
  const backendProtocol = backendProtocolOf(audit.canonical);
  // A canary's own annotations apply to no route of its own (canary-reader.ts reads the few
  // that ingress-nginx honours there): its readers are not run, nor its Secrets looked up.
  const route = audit.canary
    ? { policies: {}, problems: [], failClosed: [] }
    : routePoliciesOf(audit.canonical, POLICY_READERS, context);
  const regexPaths = regexPathsOf(audit.canonical);
  const server = readServerSnippet(audit.canonical);
  const hostNames = hostAliasesOf(audit.canonical);
  const serviceUpstream = serviceUpstreamOf(audit.canonical);
  const proxySsl = proxySslOf(audit.canonical);
  return {
    audit,
    redirect: redirect.policy,
    backendProtocol: backendProtocol.protocol,
    route: route.policies,
    server: server.policies,
    regexPaths,
    hostNames,
    serviceUpstream: serviceUpstream.serviceUpstream,
    proxySsl: proxySsl.request,
    failClosed: [...new Set([...audit.failClosed, ...route.failClosed])].sort(),
    problems: [
      ...audit.problems,
      ...redirect.problems,
      ...backendProtocol.problems,
      ...regexPaths.problems,
      ...hostNames.problems,
      ...serviceUpstream.problems,
      ...proxySsl.problems,
      ...route.problems,
      ...unreadableAccessControl(route.failClosed, route.problems),
      ...server.problems,
    ],
  };
}

/**
 * An AccessControlNotEnforced problem for each access-control annotation a reader could not
 * honour and did not say so of with that code itself (its own problem says why), so that every
 * report (results, `migrate`) shows that the Ingress fails closed and which annotation makes it.
 */
function unreadableAccessControl(keys: readonly string[], said: readonly Problem[]): Problem[] {
  const reported = new Set(
    said.filter((problem) => problem.code === 'AccessControlNotEnforced').map((p) => p.field),
  );
  const unreported = keys.filter((key) => !reported.has(`metadata.annotations[${key}]`));
  return [...new Set(unreported)].sort().map((key) => ({
    code: 'AccessControlNotEnforced',
    field: `metadata.annotations[${key}]`,
    message: `${key} cannot be honoured as written (see the problem above): every path of this Ingress answers 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED instead of being served without it`,
  }));
}
