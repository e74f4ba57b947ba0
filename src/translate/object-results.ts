import type { ObjectResult, Problem, RouteTable } from '../ir/index.ts';
import type { Snapshot, StoredObject } from '../objects/index.ts';
import type { SecretOutcome } from './annotations/index.ts';
import type { IngressSpec } from './ingress-spec.ts';
import type { TlsBindings } from './tls/index.ts';

/**
 * Readable Services and EndpointSlices: in use by an accepted Ingress of ours, or not. Secrets:
 * checked for a TLS binding or as the default certificate (Accepted, or Rejected with the
 * reason), or unused.
 */
export function reportUsage(
  snapshot: Snapshot,
  accepted: readonly { object: StoredObject; spec: IngressSpec }[],
  serviceOf: ReadonlyMap<StoredObject, string>,
  tls: TlsBindings,
  secretOutcomes: readonly ReadonlyMap<string, SecretOutcome>[],
  results: ObjectResult[],
  // Backends that no spec names (default-backend, --default-backend-service) use theirs too.
  tableBackends: readonly RouteTable['backends'][number][],
): void {
  const usedServices = new Set(tableBackends.map((b) => `${b.namespace}/${b.service}`));
  for (const { object, spec } of accepted) {
    const backends = [
      spec.defaultBackend,
      ...spec.rules.flatMap((r) => r.paths.map((p) => p.backend)),
    ];
    for (const backend of backends) {
      if (backend?.type === 'service') usedServices.add(`${object.namespace}/${backend.name}`);
    }
  }
  const unused: Problem = { code: 'Unreferenced', message: 'no accepted Ingress of ours uses it' };
  for (const [object, service] of serviceOf) {
    const used = usedServices.has(service);
    results.push(resultOf(object, used ? 'Accepted' : 'Ignored', used ? [] : [unused]));
  }
  for (const object of snapshot.secrets) {
    const key = `${object.namespace}/${object.name}`;
    const outcome =
      tls.secrets.get(key) ??
      secretOutcomes.map((map) => map.get(key)).find((o) => o !== undefined);
    results.push(
      outcome === undefined
        ? resultOf(object, 'Ignored', [unused])
        : resultOf(object, outcome.state, outcome.problems),
    );
  }
}

export function resultOf(
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

/** The order of results: by kind, then namespace, then name. */
export function compareResults(a: ObjectResult, b: ObjectResult): number {
  return (
    (KIND_ORDER[a.kind] ?? 5) - (KIND_ORDER[b.kind] ?? 5) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name)
  );
}

/** Sorts results by kind, then namespace, then name, computing each key once. */
export function sortResults(results: ObjectResult[]): ObjectResult[] {
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
