import type { KubeObject } from '../../objects/index.ts';
import type { BackendSpec, IngressSpec, IngressValidation, RuleSpec } from '../ingress-spec.ts';
import {
  isRecord,
  notAnObject,
  own,
  quote,
  readArray,
  readString,
  report,
  wrongType,
  type JsonRecord,
  type ProblemSink,
} from './json-fields.ts';
import { dns1123SubdomainError } from './names.ts';
import { validateBackend } from './validate-backend.ts';
import { validateMetadata } from './validate-metadata.ts';
import { validateRules } from './validate-rules.ts';
import { validateTls } from './validate-tls.ts';

/** The legacy annotation that names an Ingress's class. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/**
 * Validates a networking.k8s.io/v1 Ingress as the API server does on create (ValidateIngressCreate:
 * ObjectMeta, spec, and the class annotation agreeing with `spec.ingressClassName`), so that YAML
 * mode refuses what a cluster would have refused. Never throws: every field is checked for its
 * JSON type, and all problems are collected. Returns the typed spec when there are none.
 */
export function validateIngress(object: KubeObject): IngressValidation {
  if (!isRecord(object)) return notAnObject('Ingress');
  const sink: ProblemSink = [];
  const annotations = validateMetadata(object, { namespaced: true }, sink);
  const raw: unknown = own(object, 'spec');
  let spec: IngressSpec | null = null;
  if (isRecord(raw)) {
    spec = validateSpec(raw, annotations, sink);
  } else if (raw === undefined || raw === null) {
    spec = validateSpec({}, annotations, sink);
  } else {
    wrongType(sink, 'spec', 'an object', raw);
  }
  if (spec === null || sink.length > 0) return { ok: false, problems: sink };
  return { ok: true, spec };
}

function validateSpec(
  spec: JsonRecord,
  annotations: Readonly<Record<string, string>>,
  sink: ProblemSink,
): IngressSpec {
  const rawDefault = own(spec, 'defaultBackend');
  const hasDefault = rawDefault !== undefined && rawDefault !== null;
  const defaultBackend: BackendSpec | null = hasDefault
    ? validateBackend(rawDefault, 'spec.defaultBackend', sink)
    : null;
  const rawRules = readArray(spec, 'rules', 'spec.rules', sink);
  if (!hasDefault && (rawRules === null || rawRules?.length === 0)) {
    report(sink, 'MissingRules', 'spec', 'either `defaultBackend` or `rules` must be specified');
  }
  const rules = rawRules ? validateRules(rawRules, 'spec.rules', sink) : [];
  const rawTls = readArray(spec, 'tls', 'spec.tls', sink);
  const tls = rawTls ? validateTls(rawTls, 'spec.tls', sink) : [];
  const ingressClassName = validateClassName(spec, annotations, sink);
  return {
    ingressClassName,
    annotations,
    defaultBackend,
    rules: rules.filter((rule): rule is RuleSpec => rule !== null),
    tls: tls.filter((entry) => entry !== null),
  };
}

function validateClassName(
  spec: JsonRecord,
  annotations: Readonly<Record<string, string>>,
  sink: ProblemSink,
): string | null {
  const field = 'spec.ingressClassName';
  const className = readString(spec, 'ingressClassName', field, sink);
  if (typeof className !== 'string') return null;
  // Unlike most optional strings, a given empty class name is an invalid name, as in Kubernetes.
  const error = dns1123SubdomainError(className);
  if (error !== null) {
    report(sink, 'InvalidIngressClassName', field, `${quote(className)}: ${error}`);
  }
  if (Object.hasOwn(annotations, INGRESS_CLASS_ANNOTATION)) {
    const annotated = annotations[INGRESS_CLASS_ANNOTATION] ?? '';
    if (annotated !== className) {
      report(
        sink,
        'ClassConflict',
        `metadata.annotations[${INGRESS_CLASS_ANNOTATION}]`,
        `${quote(annotated)} must match ingressClassName ${quote(className)} when both are specified`,
      );
    }
  }
  return className;
}
