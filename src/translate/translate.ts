import type { ObjectResult, Problem, RouteTable } from '../ir/index.ts';
import type { Snapshot, StoredObject } from '../objects/index.ts';
import { compareAge } from './age.ts';
import type { ServiceIndex } from './backends.ts';
import { ownershipOf, type ClassIndex } from './ingress-class.ts';
import type { IngressSpec } from './ingress-spec.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from './options.ts';
import { RouteBuilder } from './route-builder.ts';
import { readEndpointSlice, readService, type ServiceView, type SliceView } from './services.ts';
import { validateIngress, validateIngressClass } from './validate/index.ts';

/** The output of one translation: the route table and one result per object. */
export interface Translation {
  readonly table: RouteTable;
  /** Sorted by kind, namespace and name. */
  readonly results: readonly ObjectResult[];
}

/**
 * Translates a snapshot of objects into a route table. Pure: no I/O, no clock, no randomness;
 * the same snapshot and options always give the same table and results. An invalid object is
 * reported in its result and contributes nothing; it never costs another object its routes.
 */
export function translate(
  snapshot: Snapshot,
  options: TranslateOptions = DEFAULT_TRANSLATE_OPTIONS,
): Translation {
  const results: ObjectResult[] = [];
  const classes = indexClasses(snapshot.ingressClasses, options, results);
  const services = indexServices(snapshot, results);
  const builder = new RouteBuilder(services.index);
  const accepted: { object: StoredObject; spec: IngressSpec }[] = [];

  for (const ingress of [...snapshot.ingresses].sort(compareAge)) {
    const ownership = ownershipOf(ingress, classes, options);
    if (!ownership.ours) {
      results.push(resultOf(ingress, 'Ignored', [ownership.problem]));
      continue;
    }
    const validation = validateIngress(ingress.object);
    if (!validation.ok) {
      results.push(resultOf(ingress, 'Rejected', validation.problems));
      continue;
    }
    results.push(resultOf(ingress, 'Accepted', builder.add(ingress, validation.spec)));
    accepted.push({ object: ingress, spec: validation.spec });
  }

  reportUsage(snapshot, accepted, services.serviceOf, results);
  return { table: builder.build(), results: sortResults(results) };
}

function indexClasses(
  objects: readonly StoredObject[],
  options: TranslateOptions,
  results: ObjectResult[],
): ClassIndex {
  const ours = new Set<string>();
  const known = new Set<string>();
  let oursIsDefault = false;
  for (const object of objects) {
    known.add(object.name);
    const validation = validateIngressClass(object.object);
    if (!validation.ok) {
      results.push(resultOf(object, 'Rejected', validation.problems));
    } else if (validation.controller !== options.controllerName) {
      const message = `controller "${validation.controller}" is not ours ("${options.controllerName}")`;
      results.push(resultOf(object, 'Ignored', [{ code: 'NotOurController', message }]));
    } else {
      ours.add(object.name);
      oursIsDefault ||= validation.isDefault;
      results.push(resultOf(object, 'Accepted', []));
    }
  }
  return { ours, known, oursIsDefault };
}

/** The backend index, and for every readable Service and EndpointSlice the Service it is part of. */
interface IndexedServices {
  readonly index: ServiceIndex;
  readonly serviceOf: ReadonlyMap<StoredObject, string>;
}

function indexServices(snapshot: Snapshot, results: ObjectResult[]): IndexedServices {
  const services = new Map<string, ServiceView | null>();
  const serviceOf = new Map<StoredObject, string>();
  for (const object of snapshot.services) {
    const key = `${object.namespace}/${object.name}`;
    const view = readService(object);
    services.set(key, view);
    if (view) {
      serviceOf.set(object, key);
    } else {
      const message = 'spec.ports must be a list of ports with integer port numbers';
      results.push(resultOf(object, 'Rejected', [{ code: 'InvalidService', message }]));
    }
  }
  const slices = new Map<string, SliceView[]>();
  for (const object of snapshot.endpointSlices) {
    const view = readEndpointSlice(object);
    if (!view) {
      const message =
        'needs the kubernetes.io/service-name label, addressType IPv4 or IPv6, integer ports and endpoints with addresses';
      results.push(resultOf(object, 'Rejected', [{ code: 'InvalidEndpointSlice', message }]));
      continue;
    }
    const key = `${object.namespace}/${view.service}`;
    serviceOf.set(object, key);
    const list = slices.get(key);
    if (list) list.push(view);
    else slices.set(key, [view]);
  }
  return { index: { services, slices }, serviceOf };
}

/** Readable Services, EndpointSlices, and Secrets: in use by an accepted Ingress of ours, or not. */
function reportUsage(
  snapshot: Snapshot,
  accepted: readonly { object: StoredObject; spec: IngressSpec }[],
  serviceOf: ReadonlyMap<StoredObject, string>,
  results: ObjectResult[],
): void {
  const usedServices = new Set<string>();
  const usedSecrets = new Set<string>();
  for (const { object, spec } of accepted) {
    const backends = [
      spec.defaultBackend,
      ...spec.rules.flatMap((r) => r.paths.map((p) => p.backend)),
    ];
    for (const backend of backends) {
      if (backend?.type === 'service') usedServices.add(`${object.namespace}/${backend.name}`);
    }
    for (const tls of spec.tls) {
      if (tls.secretName !== null) usedSecrets.add(`${object.namespace}/${tls.secretName}`);
    }
  }
  const report = (object: StoredObject, used: boolean): void => {
    const problems: Problem[] = used
      ? []
      : [{ code: 'Unreferenced', message: 'no accepted Ingress of ours uses it' }];
    results.push(resultOf(object, used ? 'Accepted' : 'Ignored', problems));
  };
  for (const [object, service] of serviceOf) report(object, usedServices.has(service));
  for (const object of snapshot.secrets) {
    report(object, usedSecrets.has(`${object.namespace}/${object.name}`));
  }
}

function resultOf(
  object: StoredObject,
  state: ObjectResult['state'],
  problems: readonly Problem[],
): ObjectResult {
  const base = {
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    state,
    problems,
  };
  return object.origin.source === 'file'
    ? { ...base, origin: { file: object.origin.file, document: object.origin.document } }
    : base;
}

const KIND_ORDER: Readonly<Record<string, number>> = {
  IngressClass: 0,
  Ingress: 1,
  Service: 2,
  EndpointSlice: 3,
  Secret: 4,
};

/** Sorts results by kind, then namespace, then name, computing each key once. */
function sortResults(results: ObjectResult[]): ObjectResult[] {
  return results
    .map((result) => ({ result, order: KIND_ORDER[result.kind] ?? 5 }))
    .sort(
      (a, b) =>
        a.order - b.order ||
        compareText(a.result.namespace, b.result.namespace) ||
        compareText(a.result.name, b.result.name),
    )
    .map(({ result }) => result);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
