import type { Problem } from '../../ir/index.ts';
import type { KubeObject } from '../../objects/index.ts';
import {
  isRecord,
  notAnObject,
  own,
  quote,
  readRecord,
  readString,
  report,
  wrongType,
  type JsonRecord,
  type ProblemSink,
} from './json-fields.ts';
import {
  dns1123LabelError,
  dns1123SubdomainError,
  domainPrefixedPathError,
  pathSegmentNameError,
} from './names.ts';
import { validateMetadata } from './validate-metadata.ts';

/** The annotation that makes an IngressClass the default for Ingresses without a class. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** Longest `spec.controller` the API server accepts. */
export const CONTROLLER_MAX = 250;

/** The result of {@link validateIngressClass}. */
export type IngressClassValidation =
  | { readonly ok: true; readonly controller: string; readonly isDefault: boolean }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Validates a networking.k8s.io/v1 IngressClass as the API server does (ValidateIngressClass):
 * ObjectMeta, `spec.controller` required and a domain-prefixed path of at most 250 characters,
 * and a well-formed `spec.parameters`. Never throws. `isDefault` is true when the
 * is-default-class annotation is exactly `"true"`.
 */
export function validateIngressClass(object: KubeObject): IngressClassValidation {
  if (!isRecord(object)) return notAnObject('IngressClass');
  const sink: ProblemSink = [];
  const annotations = validateMetadata(object, { namespaced: false }, sink);
  const spec: unknown = own(object, 'spec');
  let controller = '';
  if (isRecord(spec) || spec === undefined || spec === null) {
    const fields = spec ?? {};
    controller = validateController(fields, sink);
    const parameters = readRecord(fields, 'parameters', 'spec.parameters', sink);
    if (parameters) validateParameters(parameters, 'spec.parameters', sink);
  } else {
    wrongType(sink, 'spec', 'an object', spec);
  }
  if (sink.length > 0) return { ok: false, problems: sink };
  return { ok: true, controller, isDefault: annotations[DEFAULT_CLASS_ANNOTATION] === 'true' };
}

function validateController(spec: JsonRecord, sink: ProblemSink): string {
  const field = 'spec.controller';
  const controller = readString(spec, 'controller', field, sink);
  if (controller === undefined) return '';
  if (controller === null || controller === '') {
    report(sink, 'InvalidIngressClass', field, 'controller is required');
    return '';
  }
  if (controller.length > CONTROLLER_MAX) {
    report(sink, 'InvalidIngressClass', field, `must be no more than ${CONTROLLER_MAX} characters`);
  }
  const error = domainPrefixedPathError(controller);
  if (error !== null) report(sink, 'InvalidIngressClass', field, `${quote(controller)}: ${error}`);
  return controller;
}

/** `spec.parameters`: optional apiGroup, required kind and name, and a scope that fits. */
function validateParameters(parameters: JsonRecord, field: string, sink: ProblemSink): void {
  const invalid = (at: string, message: string): void => {
    report(sink, 'InvalidIngressClass', `${field}.${at}`, message);
  };
  const apiGroup = readString(parameters, 'apiGroup', `${field}.apiGroup`, sink);
  const groupError = typeof apiGroup === 'string' ? dns1123SubdomainError(apiGroup) : null;
  if (groupError !== null) invalid('apiGroup', `${quote(apiGroup ?? '')}: ${groupError}`);
  for (const key of ['kind', 'name']) {
    const value = readString(parameters, key, `${field}.${key}`, sink);
    if (value === null || value === '') invalid(key, `${key} is required`);
    const error = typeof value === 'string' && value !== '' ? pathSegmentNameError(value) : null;
    if (error !== null) invalid(key, `${quote(value ?? '')}: ${error}`);
  }
  const scope = readString(parameters, 'scope', `${field}.scope`, sink);
  const namespace = readString(parameters, 'namespace', `${field}.namespace`, sink);
  // The v1 API defaults a missing scope to Cluster.
  if (scope === null || scope === 'Cluster') {
    if (namespace !== null) invalid('namespace', '`parameters.scope` is set to Cluster');
  } else if (scope === 'Namespace') {
    if (namespace === null) invalid('namespace', '`parameters.scope` is set to Namespace');
    const error = typeof namespace === 'string' ? dns1123LabelError(namespace) : null;
    if (error !== null) invalid('namespace', `${quote(namespace ?? '')}: ${error}`);
  } else if (scope !== undefined) {
    invalid('scope', `${quote(scope)}: must be one of Cluster, Namespace`);
  }
}
