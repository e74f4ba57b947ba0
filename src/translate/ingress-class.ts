import type { Problem } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import type { TranslateOptions } from './options.ts';
import { asRecord, asString, asStringMap } from './read.ts';

/** The legacy annotation that names an Ingress's class. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** What the translator knows about IngressClasses: which names are ours, which are defaults. */
export interface ClassIndex {
  /** Names of valid IngressClasses whose controller is ours. */
  readonly ours: ReadonlySet<string>;
  /** Names of every IngressClass, ours or not. */
  readonly known: ReadonlySet<string>;
  /** Whether a default IngressClass (is-default-class "true") of ours exists. */
  readonly oursIsDefault: boolean;
}

/** Why an Ingress is not ours, or null when it is. */
export type Ownership =
  { readonly ours: true } | { readonly ours: false; readonly problem: Problem };

/**
 * Decides whether an Ingress is ours, from the raw object (before validation, so that another
 * controller's Ingresses are never reported as broken by us):
 * `spec.ingressClassName` naming an IngressClass of ours; else the legacy annotation naming our
 * class; else, with no class at all, a default IngressClass of ours or the operator's opt-in.
 */
export function ownershipOf(
  ingress: StoredObject,
  classes: ClassIndex,
  options: TranslateOptions,
): Ownership {
  const spec = asRecord(ingress.object['spec']);
  const className = asString(spec?.['ingressClassName']);
  const annotation = asStringMap(ingress.object.metadata.annotations)[LEGACY_CLASS_ANNOTATION];
  if (className !== null && className !== '') {
    if (classes.ours.has(className)) return { ours: true };
    // An annotation of ours next to a foreign class is a contradiction the validator reports.
    if (annotation === options.ingressClass) return { ours: true };
    const what = classes.known.has(className)
      ? `IngressClass "${className}" belongs to another controller`
      : `IngressClass "${className}" does not exist`;
    return notOurs(`${what}; this controller serves IngressClasses of "${options.controllerName}"`);
  }
  if (annotation !== undefined) {
    if (annotation === options.ingressClass) return { ours: true };
    return notOurs(
      `annotation ${LEGACY_CLASS_ANNOTATION}="${annotation}" names another class than "${options.ingressClass}"`,
    );
  }
  if (classes.oursIsDefault || options.watchIngressWithoutClass) return { ours: true };
  return notOurs(
    'the Ingress names no class, and there is no default IngressClass of ours (and --watch-ingress-without-class is off)',
  );
}

function notOurs(message: string): Ownership {
  return { ours: false, problem: { code: 'NotOurClass', message } };
}
