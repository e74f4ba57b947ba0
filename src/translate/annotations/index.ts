export {
  INGRESS_NGINX_ANNOTATIONS,
  ANNOTATION_ALIASES,
  LEGACY_ANNOTATIONS,
  type AnnotationEntry,
  type AnnotationSupport,
} from './catalogue.ts';
export {
  auditAnnotations,
  INGRESS_NGINX_PREFIX,
  POINTSMAN_PREFIX,
  type AnnotationAudit,
} from './audit-annotations.ts';
export { annotationPrefixes } from './prefixes.ts';
export { snippetDirectives, type SnippetDirectives } from './snippet-directives.ts';
export { routePoliciesOf, type PolicyRead, type PolicyReader } from './route-policies.ts';
export { POLICY_READERS } from './policy-readers.ts';
export { REDIRECT_ANNOTATIONS } from './redirect-reader.ts';
export { UPSTREAM_REQUEST_ANNOTATIONS } from './upstream-request-reader.ts';
export { readIngressAnnotations, type IngressAnnotations } from './ingress-annotations.ts';
export {
  regexPathsOf,
  isRegexPath,
  USE_REGEX_ANNOTATION,
  REWRITE_TARGET_ANNOTATION,
  type RegexPathsRead,
} from './regex-paths.ts';
