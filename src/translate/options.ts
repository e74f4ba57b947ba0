/** Settings that change what the translator considers ours and how it reads Ingresses. */
export interface TranslateOptions {
  /** `spec.controller` value of the IngressClasses we implement. */
  readonly controllerName: string;
  /** Class name accepted in the legacy `kubernetes.io/ingress.class` annotation. */
  readonly ingressClass: string;
  /** Serve Ingresses that name no class at all, even without a default IngressClass of ours. */
  readonly watchIngressWithoutClass: boolean;
}

/** The defaults the CLI starts from. */
export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  controllerName: 'pointsman.dev/ingress-controller',
  ingressClass: 'pointsman',
  watchIngressWithoutClass: false,
};
