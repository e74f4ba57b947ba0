/**
 * The API server's validation of Ingress and IngressClass objects, applied by the translator
 * because in YAML mode no API server has checked them.
 */
export { validateIngress, INGRESS_CLASS_ANNOTATION } from './validate-ingress.ts';
export {
  validateIngressClass,
  DEFAULT_CLASS_ANNOTATION,
  type IngressClassValidation,
} from './validate-ingress-class.ts';
export {
  dns1035LabelError,
  dns1123LabelError,
  dns1123SubdomainError,
  domainPrefixedPathError,
  isIpAddress,
  isIpv4,
  isIpv6,
  labelValueError,
  pathSegmentNameError,
  portNameError,
  qualifiedNameError,
  ruleHostError,
  tlsHostError,
  wildcardSubdomainError,
} from './names.ts';
