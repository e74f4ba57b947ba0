import { API_VERSIONS, NAMESPACED_KINDS } from '../../objects/index.ts';
import type { KubeObject, ObjectKind } from '../../objects/index.ts';
import { describeType, isMapping } from './plain-data.ts';
import type { Mapping } from './plain-data.ts';
import { normalizeSecretData } from './secret-data.ts';
import type { Candidate, Finding } from './types.ts';

/** The outcome for one object: taken, or a finding saying why not. */
export type ObjectOutcome = { readonly candidate: Candidate } | { readonly finding: Finding };

/** Returns the kind when it is one pointsman reads. */
function readKind(kind: string): ObjectKind | null {
  return Object.hasOwn(API_VERSIONS, kind) ? (kind as ObjectKind) : null;
}

/**
 * Checks one object (never a List) and fills in what the API server would: the namespace of
 * namespaced kinds (`default` when absent), none for cluster-scoped ones, and Secret `data`.
 * The input is copied, never changed.
 */
export function normalizeObject(value: Mapping, apiVersion: string, kind: string): ObjectOutcome {
  const known = readKind(kind);
  if (known === null) return note(`skipped: pointsman does not read kind ${kind}`);
  if (apiVersion !== API_VERSIONS[known]) {
    return error(
      `${kind} apiVersion ${apiVersion} is not supported: pointsman reads ${kind} as ${API_VERSIONS[known]}`,
    );
  }
  const metadata = value['metadata'];
  if (!isMapping(metadata)) return error(`${kind} has no metadata mapping`);
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    return error(`${kind} has no metadata.name (a non-empty string)`);
  }
  const namespace = readNamespace(known, metadata['namespace']);
  if (namespace === null) {
    return error(
      `${kind} ${name}: metadata.namespace must be a string, not ${describeType(metadata['namespace'])}`,
    );
  }
  const filled = NAMESPACED_KINDS.has(known) ? { ...metadata, namespace } : omitNamespace(metadata);
  const object = { ...value, metadata: filled } as KubeObject;
  if (known !== 'Secret') return { candidate: { kind: known, namespace, name, object } };
  const secret = normalizeSecretData(object);
  if ('error' in secret) return error(`${kind} ${namespace}/${name}: ${secret.error}`);
  return { candidate: { kind: known, namespace, name, object: secret.object } };
}

/** The namespace to store the object under; null when the field is not a string. */
function readNamespace(kind: ObjectKind, namespace: unknown): string | null {
  // The API server ignores a namespace on cluster-scoped kinds.
  if (!NAMESPACED_KINDS.has(kind)) return '';
  if (namespace === undefined || namespace === null || namespace === '') return 'default';
  return typeof namespace === 'string' ? namespace : null;
}

function omitNamespace(metadata: Mapping): Mapping {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== 'namespace'));
}

function error(message: string): ObjectOutcome {
  return { finding: { severity: 'error', message } };
}

function note(message: string): ObjectOutcome {
  return { finding: { severity: 'note', message } };
}
