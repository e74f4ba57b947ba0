export { ingressOwnership, translate, type Translation } from './translate.ts';
export { DEFAULT_TRANSLATE_OPTIONS, type SecretRef, type TranslateOptions } from './options.ts';
export {
  FORCE_SSL_REDIRECT_ANNOTATIONS,
  SSL_REDIRECT_ANNOTATIONS,
  coversHost,
  namesOf,
  type CertificateNames,
} from './tls/index.ts';
export { LEGACY_CLASS_ANNOTATION } from './ingress-class.ts';
export { SSL_PASSTHROUGH_ANNOTATION } from './ssl-passthrough.ts';
export {
  BACKEND_PROTOCOL_ANNOTATIONS,
  BACKEND_PROTOCOLS,
  backendProtocolOf,
} from './backend-protocol.ts';
export type * from './ingress-spec.ts';
export {
  ANNOTATION_ALIASES,
  INGRESS_NGINX_ANNOTATIONS,
  parseNginxSize,
  type AnnotationEntry,
  type AnnotationSupport,
} from './annotations/index.ts';
export { annotationPrefixes, auditAnnotations, parseRetryConditions } from './annotations/index.ts';
export { refreshBackend } from './backend-refresh.ts';
export { SERVICE_NAME_LABEL } from './services.ts';

export { compareResults } from './object-results.ts';
