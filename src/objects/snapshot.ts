import type { ObjectKind, Snapshot, StoredObject } from './types.ts';

/** The list of a {@link Snapshot} that holds each kind. */
export const FIELD_BY_KIND: Readonly<Record<ObjectKind, keyof Snapshot>> = {
  Ingress: 'ingresses',
  IngressClass: 'ingressClasses',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
};

/** Groups stored objects by kind into a snapshot. Later objects with the same identity win. */
export function snapshotOf(objects: Iterable<StoredObject>): Snapshot {
  const byKey = new Map<string, StoredObject>();
  for (const object of objects) {
    byKey.set(`${object.kind}/${object.namespace}/${object.name}`, object);
  }
  const groups: Record<keyof Snapshot, StoredObject[]> = {
    ingresses: [],
    ingressClasses: [],
    services: [],
    endpointSlices: [],
    secrets: [],
    configMaps: [],
  };
  for (const object of byKey.values()) groups[FIELD_BY_KIND[object.kind]].push(object);
  return groups;
}

/** An empty snapshot. */
export const EMPTY_SNAPSHOT: Snapshot = snapshotOf([]);
