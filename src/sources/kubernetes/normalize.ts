import type { KubeObject } from '../../objects/index.ts';
import type { KubeResource } from './kube-api.ts';
import { apiVersionOf } from './resources.ts';

/**
 * One shape for every object, whichever way it came: list items lack `kind` and `apiVersion`
 * (set here); typed client models carry `Date`s (turned into RFC 3339 strings); and
 * `metadata.managedFields` (large, never read) is dropped. Returns null for something that is
 * not an object with a name, which no API server sends.
 */
export function normalizeObject(resource: KubeResource, raw: unknown): KubeObject | null {
  if (!isRecord(raw)) return null;
  const metadata = raw['metadata'];
  if (!isRecord(metadata) || typeof metadata['name'] !== 'string' || metadata['name'] === '') {
    return null;
  }
  const plain = plainJson({ ...raw, metadata: without(metadata, 'managedFields') }) as Record<
    string,
    unknown
  >;
  return {
    ...plain,
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata: plain['metadata'] as KubeObject['metadata'],
  };
}

/**
 * What the store keeps of an object: without `metadata.resourceVersion` (it changes on every
 * write, also on writes that change nothing the translator reads) and, for an Ingress, without
 * `status` (written by the status writer, which must not make the translator run again).
 * The full object stays in the source's cache.
 */
export function storedView(object: KubeObject): KubeObject {
  const metadata = without(object.metadata, 'resourceVersion') as KubeObject['metadata'];
  const rest = object.kind === 'Ingress' ? without(object, 'status') : object;
  return { ...rest, apiVersion: object.apiVersion, kind: object.kind, metadata };
}

/** A deep copy as JSON would make it: `Date`s become RFC 3339 strings, `undefined`s vanish. */
function plainJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(value)) return value.map(plainJson);
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) copy[key] = plainJson(entry);
  }
  return copy;
}

function without(record: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
