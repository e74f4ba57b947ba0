import type { StoredObject } from '../../objects/index.ts';
import type { KubeApi } from './kube-api.ts';
import { KubeApiError } from './kube-api.ts';
import { SECRET_SELECTOR, WATCHED_KINDS } from './kubernetes-source.ts';
import { normalizeObject, storedView } from './normalize.ts';
import { RESOURCES } from './resources.ts';

/** Options of {@link listObjectsOnce}. */
export interface ListOnceOptions {
  /** Namespaces to list the namespaced kinds in; empty: all namespaces. */
  readonly namespaces: readonly string[];
  /** How long each list (all its pages) may take. Default 30 s. */
  readonly timeoutMs?: number;
}

/** What {@link listObjectsOnce} read: the objects, or why a kind could not be listed. */
export interface ListOnceResult {
  readonly objects: readonly StoredObject[];
  /** One line per failed list, naming the kind and namespace; empty when all succeeded. */
  readonly errors: readonly string[];
}

/**
 * Lists every kind the translator reads, once, as the watching source would see it at start
 * (only TLS Secrets; objects stored without resourceVersion and Ingress status). It only ever
 * sends GET requests: for one-shot commands that must not change anything in the cluster, so
 * there is no watch, no leader election and no status write.
 */
export async function listObjectsOnce(
  api: KubeApi,
  options: ListOnceOptions,
): Promise<ListOnceResult> {
  const objects: StoredObject[] = [];
  const errors: string[] = [];
  const scopes = options.namespaces.length > 0 ? options.namespaces : [null];
  for (const kind of WATCHED_KINDS) {
    const resource = RESOURCES[kind];
    for (const namespace of resource.namespaced ? scopes : [null]) {
      try {
        const list = await api.list(resource, namespace, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
          ...(kind === 'Secret' ? { fieldSelector: SECRET_SELECTOR } : {}),
        });
        for (const raw of list.items) {
          const object = normalizeObject(resource, raw);
          if (object === null) continue;
          objects.push({
            kind,
            namespace: object.metadata.namespace ?? '',
            name: object.metadata.name,
            object: storedView(object),
            origin: { source: 'kubernetes' },
            sequence: objects.length + 1,
          });
        }
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        const where = namespace === null ? '' : ` in namespace ${namespace}`;
        errors.push(`cannot list ${resource.plural}${where}: ${error.message}`);
      }
    }
  }
  return { objects, errors };
}
