import type { Snapshot, StoredObject } from '../../objects/index.ts';
import { SERVICE_NAME_LABEL } from '../../translate/index.ts';

/** The objects of a snapshot an Ingress may read, for a group's part of the snapshot. */
type Referenced = Pick<Snapshot, 'services' | 'endpointSlices' | 'secrets' | 'configMaps'>;

/**
 * Services, EndpointSlices, Secrets and ConfigMaps indexed by the key an Ingress names them by:
 * `namespace/name`, and for an EndpointSlice the `namespace/name` of its Service (its
 * `kubernetes.io/service-name` label). Kept up to date change by change.
 */
export class ObjectIndex {
  readonly #byKey = new Map<string, Set<StoredObject>>();

  /** Forgets every object. */
  clear(): void {
    this.#byKey.clear();
  }

  /** Adds an object, or takes it away (`present` false). */
  update(object: StoredObject, present: boolean): void {
    const key = referenceKeyOf(object);
    if (key === null) return;
    let objects = this.#byKey.get(key);
    if (present) {
      if (objects === undefined) {
        objects = new Set();
        this.#byKey.set(key, objects);
      }
      objects.add(object);
    } else if (objects !== undefined) {
      objects.delete(object);
      if (objects.size === 0) this.#byKey.delete(key);
    }
  }

  /** Every indexed object some key names, by kind, each once. */
  objectsOf(keys: Iterable<string>): Referenced {
    const found: Referenced = { services: [], endpointSlices: [], secrets: [], configMaps: [] };
    const lists: Record<string, StoredObject[]> = {
      Service: found.services as StoredObject[],
      EndpointSlice: found.endpointSlices as StoredObject[],
      Secret: found.secrets as StoredObject[],
      ConfigMap: found.configMaps as StoredObject[],
    };
    for (const key of new Set(keys)) {
      for (const object of this.#byKey.get(key) ?? []) lists[object.kind]?.push(object);
    }
    return found;
  }
}

/**
 * The key an Ingress names an object by (`namespace/name`; an EndpointSlice's Service's), or
 * null for kinds no Ingress names (Ingresses, IngressClasses) and unlabelled EndpointSlices.
 */
export function referenceKeyOf(object: StoredObject): string | null {
  if (object.kind === 'Ingress' || object.kind === 'IngressClass') return null;
  if (object.kind !== 'EndpointSlice') return `${object.namespace}/${object.name}`;
  const labels = object.object.metadata.labels;
  if (typeof labels !== 'object' || labels === null) return null;
  const service = (labels as Record<string, unknown>)[SERVICE_NAME_LABEL];
  return typeof service === 'string' ? `${object.namespace}/${service}` : null;
}
