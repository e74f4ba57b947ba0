import type {
  AccessMaterials,
  Certificates,
  ObjectResult,
  RouteTable,
  UpstreamTlsMaterials,
} from '../ir/index.ts';
import type { KubeObject, ObjectRef, Snapshot, StoredObject } from '../objects/index.ts';
import {
  annotationPrefixes,
  auditAnnotations,
  translate,
  type TranslateOptions,
} from '../translate/index.ts';

/** Ingresses by `namespace/name`, in the version whose routes are live. */
export type ServedIngresses = ReadonlyMap<string, StoredObject>;

/** A translation in which broken edits of served Ingresses were replaced by their last good version. */
export interface LastGoodTranslation {
  readonly table: RouteTable;
  /** The key material of the table's certificates, by version (see Translation.certificates). */
  readonly certificates: Certificates;
  /** The material of the table's proxy-ssl Secrets, by version (see Translation.upstreamTls). */
  readonly upstreamTls: UpstreamTlsMaterials;
  /** The secret material of the table's access policies, by version (see Translation.access). */
  readonly access: AccessMaterials;
  /** Per object; a replaced Ingress keeps the Rejected result of its current version. */
  readonly results: readonly ObjectResult[];
  /** Ingresses rejected now whose last accepted version is what the table serves. */
  readonly servingLastGood: readonly ObjectRef[];
  /** What to pass as `served` next time: every Ingress the table serves, in the version served. */
  readonly served: ServedIngresses;
}

/**
 * Translates a snapshot; when an Ingress is rejected but an earlier version of it (same
 * namespace and name) was served, translates again with that version in its place, so a
 * broken edit costs no routes. The snapshot and `served` are not changed; translation stays
 * pure, and this only chooses its input.
 */
export function translateKeepingLastGood(
  snapshot: Snapshot,
  options: TranslateOptions,
  served: ServedIngresses,
): LastGoodTranslation {
  const first = translate(snapshot, options);
  const replaced = new Map<string, StoredObject>();
  const rejections = new Map<string, ObjectResult>();
  for (const result of first.results) {
    if (result.kind !== 'Ingress' || result.state !== 'Rejected') continue;
    const earlier = served.get(ingressKey(result));
    if (earlier === undefined) continue;
    replaced.set(ingressKey(result), earlier);
    rejections.set(ingressKey(result), result);
  }
  if (replaced.size === 0) {
    return { ...first, servingLastGood: [], served: servedBy(snapshot.ingresses, first.results) };
  }
  // The replacement keeps the current origin and load order; only the content goes back.
  const ingresses = snapshot.ingresses.map((ingress) => {
    const earlier = replaced.get(ingressKey(ingress));
    if (earlier === undefined) return ingress;
    return { ...ingress, object: keepingAccessControl(earlier.object, ingress.object, options) };
  });
  const second = translate({ ...snapshot, ingresses }, options);
  const servingLastGood: ObjectRef[] = [];
  const results = second.results.map((result) => {
    const rejection = result.kind === 'Ingress' ? rejections.get(ingressKey(result)) : undefined;
    if (rejection === undefined) return result;
    if (result.state === 'Accepted') servingLastGood.push(refOf(result));
    return rejection;
  });
  return {
    table: second.table,
    certificates: second.certificates,
    upstreamTls: second.upstreamTls,
    access: second.access,
    results,
    servingLastGood,
    served: servedBy(ingresses, second.results),
  };
}

/**
 * The earlier version of an Ingress, with the access-control annotations of its current,
 * rejected version added: an edit that asks for authentication must not be undone by a mistake
 * elsewhere in it, so the last good version then fails closed instead of being served open.
 */
function keepingAccessControl(
  earlier: KubeObject,
  current: KubeObject,
  options: TranslateOptions,
): KubeObject {
  const annotations = stringAnnotations(current);
  const guarded = auditAnnotations(annotations, annotationPrefixes(options)).accessControl;
  if (guarded.length === 0) return earlier;
  const kept = { ...stringAnnotations(earlier) };
  for (const key of guarded) kept[key] = annotations[key] ?? '';
  return { ...earlier, metadata: { ...earlier.metadata, annotations: kept } };
}

/** An object's string-valued annotations, read defensively (a rejected object may be malformed). */
function stringAnnotations(object: KubeObject): Record<string, string> {
  const raw = object.metadata.annotations;
  const annotations: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null) return annotations;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') annotations[key] = value;
  }
  return annotations;
}

function servedBy(
  ingresses: readonly StoredObject[],
  results: readonly ObjectResult[],
): Map<string, StoredObject> {
  const accepted = new Set(
    results.filter((r) => r.kind === 'Ingress' && r.state === 'Accepted').map(ingressKey),
  );
  const served = new Map<string, StoredObject>();
  for (const ingress of ingresses) {
    if (accepted.has(ingressKey(ingress))) served.set(ingressKey(ingress), ingress);
  }
  return served;
}

function ingressKey(object: { readonly namespace: string; readonly name: string }): string {
  return `${object.namespace}/${object.name}`;
}

function refOf(result: ObjectResult): ObjectRef {
  return { kind: 'Ingress', namespace: result.namespace, name: result.name };
}
