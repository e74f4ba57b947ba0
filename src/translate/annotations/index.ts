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
export {
  snippetDirectives,
  isAccessDirective,
  type SnippetDirectives,
} from './snippet-directives.ts';
export { parseSnippet, type SnippetDirective, type SnippetParse } from './snippet-parser.ts';
export { SNIPPET_ANNOTATIONS, CONFIGURATION_SNIPPET, SERVER_SNIPPET } from './snippet-reader.ts';
export { RESPONSE_REWRITE_ANNOTATIONS } from './response-rewrite-reader.ts';
export { serverPoliciesOf, mergeServerPolicies } from './server-snippets.ts';
export { routePoliciesOf, type PolicyRead, type PolicyReader } from './route-policies.ts';
export {
  AccessMaterialsCollector,
  emptyReaderContext,
  readerContextOf,
  type ReaderContext,
  type SecretOutcome,
} from './reader-context.ts';
export { POLICY_READERS } from './policy-readers.ts';
export { REDIRECT_ANNOTATIONS } from './redirect-reader.ts';
export { UPSTREAM_REQUEST_ANNOTATIONS } from './upstream-request-reader.ts';
export { UPSTREAM_LIMIT_ANNOTATIONS } from './upstream-limits-reader.ts';
export {
  NEXT_UPSTREAM_ANNOTATIONS,
  parseConditions as parseRetryConditions,
} from './next-upstream-reader.ts';
export { ENABLE_ACCESS_LOG_ANNOTATION } from './access-log-reader.ts';
export { BALANCING_ANNOTATIONS } from './balancing-reader.ts';
export { ERROR_PAGES_ANNOTATIONS, parseHttpErrorCodes } from './error-pages-reader.ts';
export { CORS_ANNOTATIONS, CORS_DEFAULTS, readCors } from './cors-reader.ts';
export { PROXY_HTTP_VERSION_ANNOTATION } from './proxy-http-version-reader.ts';
export {
  CUSTOM_HEADERS_ANNOTATION,
  customHeadersOf,
  withCustomHeaders,
  type CustomHeadersContext,
  type CustomHeadersRead,
} from './custom-headers-reader.ts';
export { parseNginxSize } from './nginx-size.ts';
export { readIngressAnnotations, type IngressAnnotations } from './ingress-annotations.ts';
export {
  regexPathsOf,
  isRegexPath,
  USE_REGEX_ANNOTATION,
  REWRITE_TARGET_ANNOTATION,
  type RegexPathsRead,
} from './regex-paths.ts';
export {
  hostAliasesOf,
  SERVER_ALIAS_ANNOTATION,
  FROM_TO_WWW_REDIRECT_ANNOTATION,
  type HostAliasesRead,
} from './host-aliases-reader.ts';
export { serviceUpstreamOf, SERVICE_UPSTREAM_ANNOTATION } from './service-upstream.ts';
export { proxySslOf, PROXY_SSL_ANNOTATIONS, type ProxySslRequest } from './proxy-ssl-reader.ts';
export {
  CANARY_RULE_ANNOTATIONS,
  ignoredOnCanary,
  readCanary,
  type CanaryRead,
} from './canary-reader.ts';
export {
  readClientCertificatePolicy,
  CLIENT_CERTIFICATE_ANNOTATIONS,
  type ClientCertificateRead,
} from './client-certificate-reader.ts';
export {
  accessPoliciesOf,
  asksForClientCertificates,
  hasAccessPolicies,
} from './access-policies.ts';
