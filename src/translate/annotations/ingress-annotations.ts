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
  /** Every problem the annotations have, in a stable order. */
  readonly problems: readonly Problem[];
}

/** Reads an Ingress's annotations under the given ingress-nginx prefixes. Pure. */
export function readIngressAnnotations(
  annotations: Readonly<Record<string, string>>,
  prefixes: readonly string[],
): IngressAnnotations {
  const audit = auditAnnotations(annotations, prefixes);
  const redirect = redirectPolicyOf(audit.canonical);
  const backendProtocol = backendProtocolOf(audit.canonical);
  const route = routePoliciesOf(audit.canonical, POLICY_READERS);
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
    problems: [
      ...audit.problems,
      ...redirect.problems,
      ...backendProtocol.problems,
      ...regexPaths.problems,
      ...hostNames.problems,
      ...serviceUpstream.problems,
      ...proxySsl.problems,
      ...route.problems,
      ...server.problems,
    ],
  };
}
