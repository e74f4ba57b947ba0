import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { backendProtocolOf, type BackendProtocolRead } from '../backend-protocol.ts';
import { redirectPolicyOf, type RedirectPolicyRead } from '../tls/index.ts';
import { auditAnnotations, type AnnotationAudit } from './audit-annotations.ts';
import { POLICY_READERS } from './policy-readers.ts';
import { regexPathsOf, type RegexPathsRead } from './regex-paths.ts';
import { routePoliciesOf } from './route-policies.ts';

/** Everything an Ingress's annotations say about serving it, read once per translation. */
export interface IngressAnnotations {
  readonly audit: AnnotationAudit;
  readonly redirect: RedirectPolicyRead['policy'];
  readonly backendProtocol: BackendProtocolRead['protocol'];
  readonly route: RoutePolicies;
  readonly regexPaths: RegexPathsRead;
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
  return {
    audit,
    redirect: redirect.policy,
    backendProtocol: backendProtocol.protocol,
    route: route.policies,
    regexPaths,
    problems: [
      ...audit.problems,
      ...redirect.problems,
      ...backendProtocol.problems,
      ...regexPaths.problems,
      ...route.problems,
    ],
  };
}
