import type { KubeConnection } from './client-node-adapter.ts';
import type { KubeApi } from './kube-api.ts';
import { KubernetesSource, type KubernetesSourceOptions } from './kubernetes-source.ts';
import type { KubernetesMode } from './mode.ts';

/**
 * Creates the client-node {@link KubeApi}, loading `@kubernetes/client-node` only now: it takes
 * about a second to import, which commands that never talk to a cluster should not pay.
 * Rejects when the kubeconfig or service account cannot be read.
 */
export async function connectKubeApi(connection: KubeConnection): Promise<KubeApi> {
  const { createClientNodeApi } = await import('./client-node-adapter.ts');
  return createClientNodeApi(connection);
}

/**
 * Connects as `mode` says and returns the (not yet started) source watching its namespaces;
 * `api` on the result is there for a status writer. Rejects when the connection settings
 * cannot be read.
 */
export async function createKubernetesSource(
  mode: KubernetesMode,
  options: Omit<KubernetesSourceOptions, 'api' | 'namespaces'>,
): Promise<{ readonly source: KubernetesSource; readonly api: KubeApi }> {
  const api = await connectKubeApi(mode.connection);
  const source = new KubernetesSource({ ...options, api, namespaces: mode.namespaces });
  return { source, api };
}
