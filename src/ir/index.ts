export type * from './route-table.ts';
export type * from './results.ts';
export type * from './certificates.ts';
export { NO_ACCESS_MATERIALS } from './certificates.ts';
export type * from './header-policies.ts';
export type * from './policy-affinity.ts';
export type * from './policy-basic-auth.ts';
export type * from './policy-canary.ts';
export type * from './policy-client-certificates.ts';
export type * from './policy-cors.ts';
export type * from './policy-error-pages.ts';
export type * from './policy-external-auth.ts';
export type * from './policy-rate-limits.ts';
export type * from './policy-source-ranges.ts';
export { ADD_HEADER_STATUSES, isProtectedHeader } from './header-policies.ts';
export { ANNOTATION_REASONS, REASONS } from './results.ts';
export type { Matcher, RouteMatch } from './matcher.ts';
export { ReferenceMatcher } from './reference-matcher.ts';
export { comparePathPrecedence } from './precedence.ts';
export { pathMatches, normalizePrefix } from './path-match.ts';
export { compareHosts, normalizeRequestHost, wildcardSuffix } from './host.ts';
export { compareBackendIds, firstBackendFrom, forEachChange } from './sorted-changes.ts';
export {
  addDigest,
  contentAddress,
  deepFreeze,
  itemDigest,
  sealRouteTable,
  type ListDigests,
  type RouteTableContent,
} from './version.ts';
export {
  TableDecoder,
  TableEncoder,
  type MaterialsMessage,
  type TableMaterials,
  type TableMessage,
} from './table-transfer.ts';
export { explainRequest, type Explanation, type Candidate } from './explain.ts';
export {
  parseRequestPath,
  PATH_REFUSALS,
  type PathRefusal,
  type RequestPath,
} from './request-path.ts';
export {
  parseRequestTarget,
  isTargetRefusal,
  type RequestTarget,
  type TargetRefusal,
} from './request-target.ts';
export {
  locationMatches,
  rewriteCaptures,
  patternProblem,
  preparePattern,
  MAX_PATTERN_LENGTH,
} from './route-regex.ts';
export { re2js } from './re2.ts';
export {
  FIXED_TEMPLATE_VARIABLES,
  TEMPLATE_VARIABLE_PREFIXES,
  isTemplateVariable,
  templateText,
  type FixedTemplateVariable,
} from './template.ts';
export { upstreamPath } from './upstream-path.ts';
export { parametersChangeRoute, withoutParameters } from './path-parameters.ts';
export { selfAnswerOf, type SelfAnswer } from './self-answer.ts';
export { patternRedirect } from './pattern-redirect.ts';
export {
  formatIpPrefix,
  formatIpv6,
  parseCidrList,
  parseIpAddress,
  parseIpPrefix,
  type CidrListRead,
  type IpAddress,
  type IpPrefix,
} from './ip-ranges.ts';
