import { API_VERSIONS, NAMESPACED_KINDS, type ObjectKind } from '../../objects/index.ts';
import type { KubeResource } from './kube-api.ts';

const PLURALS: Readonly<Record<ObjectKind, string>> = {
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
};

function resourceOf(kind: ObjectKind): KubeResource {
  const apiVersion = API_VERSIONS[kind];
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    plural: PLURALS[kind],
    kind,
    namespaced: NAMESPACED_KINDS.has(kind),
  };
}

/** The resource types pointsman watches, by kind. */
export const RESOURCES: Readonly<Record<ObjectKind, KubeResource>> = {
  Ingress: resourceOf('Ingress'),
  IngressClass: resourceOf('IngressClass'),
  Service: resourceOf('Service'),
  EndpointSlice: resourceOf('EndpointSlice'),
  Secret: resourceOf('Secret'),
  ConfigMap: resourceOf('ConfigMap'),
};

/** The `apiVersion` of a resource type: `v1` or `group/version`. */
export function apiVersionOf(resource: KubeResource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The collection path of a resource type, in one namespace or across all (or cluster-scoped). */
export function collectionPath(resource: KubeResource, namespace: string | null): string {
  const base = resource.group === '' ? '/api/v1' : `/apis/${resource.group}/${resource.version}`;
  const scope =
    resource.namespaced && namespace !== null ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${resource.plural}`;
}
