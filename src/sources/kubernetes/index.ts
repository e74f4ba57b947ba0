/**
 * The Kubernetes source: list and watch of Ingress, IngressClass, Service, EndpointSlice and
 * TLS Secret objects into the object store, behind a narrow API of ours ({@link KubeApi}).
 */
export {
  KubeApiError,
  type KubeApi,
  type KubeApiErrorReason,
  type KubeResource,
  type ListOptions,
  type ListResult,
  type Selectors,
  type WatchEnd,
  type WatchEvent,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from './kube-api.ts';
export type { KubeConnection } from './client-node-adapter.ts';
export { connectKubeApi, createKubernetesSource } from './connect.ts';
export {
  KubernetesSource,
  SECRET_SELECTOR,
  WATCHED_KINDS,
  type KubernetesSourceOptions,
} from './kubernetes-source.ts';
export {
  Reflector,
  REFLECTOR_DEFAULTS,
  type ReflectorHandler,
  type ReflectorOptions,
  type ReflectorStats,
  type ReflectorTiming,
} from './reflector.ts';
export { Backoff, jittered, type BackoffOptions } from './backoff.ts';
export { normalizeObject, storedView } from './normalize.ts';
export { RESOURCES, apiVersionOf, collectionPath } from './resources.ts';
export { IN_CLUSTER_TOKEN_PATH, kubernetesModeFrom, type KubernetesMode } from './mode.ts';
export { FakeKubeApi, type FakeWatch } from './fake-kube-api.ts';
export { listObjectsOnce, type ListOnceOptions, type ListOnceResult } from './list-once.ts';
