import { childObject, childString, type JsonObject } from './json.ts';

/** Which name syntax the API server enforces for a kind. */
export type NameRule = 'subdomain' | 'label' | 'label1035';

/** Reads one field of an object as a string, for field selectors. */
export type FieldReader = (object: JsonObject) => string;

/** One kind the fake serves: one table entry is all it takes to add a kind. */
export interface ResourceType {
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural, lower-case resource name used in URLs (`ingresses`). */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** True when `status` is a subresource: normal writes keep it, `/status` writes change only it. */
  readonly statusSubresource: boolean;
  readonly nameRule: NameRule;
  /** Field selector labels beyond `metadata.name` and `metadata.namespace`. */
  readonly fields: Readonly<Record<string, FieldReader>>;
  /** Strategic-merge list keys by dotted path (`spec.ports` -> `port`); other lists are atomic. */
  readonly mergeKeys: Readonly<Record<string, string>>;
}

/** `apiVersion` as written in objects: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The storage key of a resource type: group/version/resource. */
export function resourceKey(type: ResourceType): string {
  return `${type.group}/${type.version}/${type.resource}`;
}

/** `ingresses.networking.k8s.io` (or `services` in core), as real error messages name it. */
export function qualifiedResource(type: ResourceType): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

function path(...keys: string[]): FieldReader {
  return (object) => {
    let current: JsonObject | undefined = object;
    for (const key of keys.slice(0, -1)) current = current ? childObject(current, key) : undefined;
    return childString(current, keys.at(-1) ?? '') ?? '';
  };
}

const CORE_EVENT_FIELDS: Record<string, FieldReader> = {
  'involvedObject.kind': path('involvedObject', 'kind'),
  'involvedObject.namespace': path('involvedObject', 'namespace'),
  'involvedObject.name': path('involvedObject', 'name'),
  'involvedObject.uid': path('involvedObject', 'uid'),
  reason: path('reason'),
  type: path('type'),
};

interface Entry {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly statusSubresource?: boolean;
  readonly nameRule?: NameRule;
  readonly fields?: Record<string, FieldReader>;
  readonly mergeKeys?: Record<string, string>;
}

const ENTRIES: readonly Entry[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    nameRule: 'label',
    fields: { 'status.phase': path('status', 'phase') },
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    statusSubresource: true,
    nameRule: 'label1035',
    mergeKeys: { 'spec.ports': 'port' },
  },
  {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    shortNames: ['ep'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    fields: { type: path('type') },
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    fields: CORE_EVENT_FIELDS,
  },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    statusSubresource: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingressclasses',
    singular: 'ingressclass',
    kind: 'IngressClass',
    namespaced: false,
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
  // The kinds of deploy/, so that a test can apply it with kubectl.
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    statusSubresource: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    singular: 'role',
    kind: 'Role',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    statusSubresource: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    singular: 'networkpolicy',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
  },
];

/** Every kind the fake serves, core group first (kubectl prefers earlier groups on a tie). */
export const RESOURCE_TYPES: readonly ResourceType[] = ENTRIES.map((entry) => ({
  ...entry,
  shortNames: entry.shortNames ?? [],
  statusSubresource: entry.statusSubresource ?? false,
  nameRule: entry.nameRule ?? 'subdomain',
  fields: entry.fields ?? {},
  mergeKeys: entry.mergeKeys ?? {},
}));

/** The resource type served at `group/version/resource`, if any. */
export function findByResource(
  group: string,
  version: string,
  resource: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (type) => type.group === group && type.version === version && type.resource === resource,
  );
}

/**
 * Resolves a kind reference: `Ingress`, or `apiVersion/Kind` (`events.k8s.io/v1/Event`) where a
 * bare Kind is ambiguous; a bare Kind picks the first match (core before other groups).
 */
export function findByKind(reference: string, apiVersion?: string): ResourceType | undefined {
  const slash = reference.lastIndexOf('/');
  const kind = slash < 0 ? reference : reference.slice(slash + 1);
  const version = slash < 0 ? apiVersion : reference.slice(0, slash);
  return RESOURCE_TYPES.find(
    (type) => type.kind === kind && (version === undefined || apiVersionOf(type) === version),
  );
}

/** The group/versions served, in discovery order (core `v1` is not among them). */
export function servedGroups(): { readonly group: string; readonly version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const type of RESOURCE_TYPES) {
    if (type.group !== '')
      seen.set(apiVersionOf(type), { group: type.group, version: type.version });
  }
  return [...seen.values()];
}

/** The resource types of one group/version. */
export function typesOf(group: string, version: string): ResourceType[] {
  return RESOURCE_TYPES.filter((type) => type.group === group && type.version === version);
}
