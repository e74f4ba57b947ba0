// ServiceAccounts bound to deploy/'s ClusterRole and Role, or to a copy of them with one verb
// taken away, each under names of its own so that many can live on one API server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { grantKey, grantsOfRules, type PolicyRule } from './rbac-permissions.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import type { RealApiServer } from './server.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

interface RoleDocument {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly rules: readonly PolicyRule[];
}

function readRole(file: string): RoleDocument {
  return parse(readFileSync(join(DEPLOY, file), 'utf8')) as RoleDocument;
}

/** deploy/'s ClusterRole and Role, as parsed from the files. */
export const DEPLOY_ROLES = {
  ClusterRole: readRole('cluster-role.yaml'),
  Role: readRole('role.yaml'),
} as const;

/** One verb of one rule of deploy/'s roles, to be taken away. */
export interface RemovedVerb {
  readonly kind: 'ClusterRole' | 'Role';
  readonly rule: number;
  readonly verb: string;
  /** The grants it stands for ({@link grantKey}), joined with ` + ` (one for deploy/'s rules). */
  readonly key: string;
}

/** Every verb of every rule of deploy/'s ClusterRole and Role, in file order. */
export function deployVerbs(): RemovedVerb[] {
  const verbs: RemovedVerb[] = [];
  for (const kind of ['ClusterRole', 'Role'] as const) {
    DEPLOY_ROLES[kind].rules.forEach((rule, index) => {
      for (const verb of rule.verbs) {
        const key = grantsOfRules([{ ...rule, verbs: [verb] }])
          .map(grantKey)
          .join(' + ');
        verbs.push({ kind, rule: index, verb, key });
      }
    });
  }
  return verbs;
}

function rulesWithout(kind: RemovedVerb['kind'], removed: RemovedVerb | null): PolicyRule[] {
  return DEPLOY_ROLES[kind].rules
    .map((rule, index) =>
      removed?.kind === kind && removed.rule === index
        ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== removed.verb) }
        : rule,
    )
    .filter((rule) => rule.verbs.length > 0);
}

/**
 * Namespace `namespace`, ServiceAccount `pointsman` in it, a copy of deploy/'s ClusterRole named
 * `pointsman-NAMESPACE` and of its Role (in `namespace`, where the Lease and the published
 * Service then live), both without `removed`, and their bindings to that account.
 */
export function variantAccountObjects(namespace: string, removed: RemovedVerb): object[] {
  const clusterRole = `pointsman-${namespace}`;
  const role = DEPLOY_ROLES.Role.metadata.name;
  const subjects = [{ kind: 'ServiceAccount', name: 'pointsman', namespace }];
  const rbac = 'rbac.authorization.k8s.io';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pointsman', namespace } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: clusterRole },
      rules: rulesWithout('ClusterRole', removed),
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRole },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: clusterRole },
      subjects,
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: role, namespace },
      rules: rulesWithout('Role', removed),
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: role, namespace },
      roleRef: { apiGroup: rbac, kind: 'Role', name: role },
      subjects,
    },
  ];
}

/** The API path of the collection an object of these kinds goes to. */
function collectionOf(object: {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string };
}): string {
  const plural = `${object.kind.toLowerCase()}${object.kind.endsWith('s') ? 'es' : 's'}`;
  const base = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  const namespace = object.metadata.namespace;
  return namespace === undefined
    ? `${base}/${plural}`
    : `${base}/namespaces/${namespace}/${plural}`;
}

/**
 * Creates each object as the admin (Namespace, ServiceAccount, RBAC, Ingress, IngressClass,
 * Service, EndpointSlice, Secret, ConfigMap, Lease, Event: kinds whose plural is `kind + s`, or
 * `+ es`); an object that already exists is left as it is.
 */
export async function createObjects(
  server: RealApiServer,
  objects: readonly object[],
): Promise<void> {
  for (const object of objects) {
    const path = collectionOf(object as Parameters<typeof collectionOf>[0]);
    const reply = await server.request('POST', path, object);
    assert.ok(
      reply.status === 201 || reply.status === 409,
      `POST ${path}: ${JSON.stringify(reply)}`,
    );
  }
}

/** A kubeconfig (in the server's directory) for that account, to `endpoint` (default the server). */
export async function accountKubeconfig(
  server: RealApiServer,
  namespace: string,
  name: string,
  endpoint: { readonly url: string; readonly caPem: string } = server,
): Promise<string> {
  const path = join(server.dir, `rbac.${namespace}.${name}.${String(Date.now())}.kubeconfig`);
  await writeKubeconfig(path, {
    server: endpoint.url,
    caPem: endpoint.caPem,
    user: `system:serviceaccount:${namespace}:${name}`,
    token: await server.serviceAccountToken(namespace, name),
    namespace,
  });
  return path;
}
