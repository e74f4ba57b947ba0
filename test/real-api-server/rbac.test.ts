// Least privilege, proven against a real kube-apiserver with the RBAC authorizer (issue 14):
// 1. what deploy/'s ServiceAccount may do, as the API server itself reports it, is exactly the
//    table "What pointsman may do" of docs/install.md (so the doc, deploy/ and the server agree,
//    and a change to one alone fails here), and a few things it must never do are refused;
// 2. every verb of deploy/'s ClusterRole and Role is needed: pointsman runs once per verb as an
//    account bound to copies of the roles without it, and a named behaviour breaks.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyDeployRbac, CONTROLLER_ACCOUNT } from '../kubernetes/clusters.ts';
import { startController } from '../kubernetes/controller-process.ts';
import { startConflictProxy } from './conflict-proxy.ts';
import { REAL_API_SKIP, startRealApiServer, type RealApiServer } from './index.ts';
import {
  accountKubeconfig,
  createObjects,
  deployVerbs,
  variantAccountObjects,
  type RemovedVerb,
} from './rbac-accounts.ts';
import { behaviours, type Behaviour, type Running } from './rbac-behaviours.ts';
import { baseObjects, worldFlags, type World } from './rbac-world.ts';
import {
  documentedAllows,
  documentedGrants,
  documentedKeysIn,
  grantKey,
  grantsOfRules,
  type DocumentedGrant,
  type PolicyRule,
} from './rbac-permissions.ts';

const INSTALL_MD = join(import.meta.dirname, '..', '..', 'docs', 'install.md');
const HEADING = '## What pointsman may do';
const NAMESPACE = CONTROLLER_ACCOUNT.namespace;

/**
 * What every authenticated user may do whatever deploy/ says (Kubernetes' default ClusterRole
 * system:basic-user, bound to system:authenticated): ask what it may do itself. These are left
 * out of the comparison, as are all non-resource URLs (system:discovery and
 * system:public-info-viewer: /api, /apis, /healthz, /livez, /readyz, /version, /openapi, the
 * OIDC discovery documents), which grant no access to any object.
 */
const EVERY_USER = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews:create',
  'authorization.k8s.io/selfsubjectrulesreviews:create',
  'authentication.k8s.io/selfsubjectreviews:create',
]);

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

let server: RealApiServer;
let token: string;
let documented: DocumentedGrant[];

/** One authorization question asked as the ServiceAccount of deploy/. */
async function mayI(request: {
  group: string;
  resource: string;
  verb: string;
  namespace: string;
  name?: string;
}): Promise<boolean> {
  const [resource, subresource] = request.resource.split('/');
  const reply = await server.request(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          group: request.group,
          resource,
          ...(subresource === undefined ? {} : { subresource }),
          verb: request.verb,
          namespace: request.namespace,
          ...(request.name === undefined ? {} : { name: request.name }),
        },
      },
    },
    token,
  );
  assert.equal(reply.status, 201, JSON.stringify(reply));
  return (reply.body as { status: { allowed: boolean } }).status.allowed;
}

describe('least privilege: deploy/ RBAC on a real kube-apiserver', { skip: REAL_API_SKIP }, () => {
  before(async () => {
    server = await startRealApiServer();
    await applyDeployRbac(server.kubectl);
    token = await server.serviceAccountToken(CONTROLLER_ACCOUNT.namespace, CONTROLLER_ACCOUNT.name);
    documented = documentedGrants(await readFile(INSTALL_MD, 'utf8'), HEADING);
  });
  after(async () => {
    await server.close();
  });

  test('the API server grants the ServiceAccount exactly the table of docs/install.md', async () => {
    for (const namespace of [NAMESPACE, 'default']) {
      const reply = await server.request(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace },
        },
        token,
      );
      assert.equal(reply.status, 201, JSON.stringify(reply));
      const status = (
        reply.body as { status: { resourceRules: PolicyRule[]; incomplete: boolean } }
      ).status;
      assert.equal(status.incomplete, false);
      const granted = grantsOfRules(status.resourceRules)
        .map(grantKey)
        .filter((key) => !EVERY_USER.has(key));
      assert.deepEqual(
        granted,
        documentedKeysIn(documented, namespace),
        `in namespace ${namespace}`,
      );
    }
  });

  test('each verb on each resource of the table, and on Pods and Nodes, is allowed only where the table says', async () => {
    const resources = new Map<string, { group: string; resource: string; names: Set<string> }>();
    for (const grant of documented) {
      const key = `${grant.group}/${grant.resource}`;
      const entry = resources.get(key) ?? { ...grant, names: new Set(['', 'someone-else']) };
      if (grant.name !== '*') entry.names.add(grant.name);
      resources.set(key, entry);
    }
    resources.set('/pods', { group: '', resource: 'pods', names: new Set(['', 'someone-else']) });
    const clusterScoped = [
      { group: 'networking.k8s.io', resource: 'ingressclasses', names: new Set(['', 'pointsman']) },
      { group: '', resource: 'nodes', names: new Set(['', 'node-1']) },
    ];
    resources.delete('networking.k8s.io/ingressclasses');
    const questions: {
      group: string;
      resource: string;
      verb: string;
      namespace: string;
      name: string;
    }[] = [];
    for (const { group, resource, names } of resources.values())
      for (const namespace of [NAMESPACE, 'default'])
        for (const name of names)
          for (const verb of VERBS) questions.push({ group, resource, verb, namespace, name });
    for (const { group, resource, names } of clusterScoped)
      for (const name of names)
        for (const verb of VERBS) questions.push({ group, resource, verb, namespace: '', name });
    const wrong: string[] = [];
    const allowedKeys = new Set<string>();
    for (let start = 0; start < questions.length; start += 16) {
      await Promise.all(
        questions.slice(start, start + 16).map(async (question) => {
          const allowed = await mayI({
            ...question,
            ...(question.name === '' ? {} : { name: question.name }),
          });
          if (allowed) {
            allowedKeys.add(
              grantKey({ ...question, name: question.name === '' ? '*' : question.name }),
            );
          }
          if (allowed !== documentedAllows(documented, question)) {
            wrong.push(`${JSON.stringify(question)}: the server says ${String(allowed)}`);
          }
        }),
      );
    }
    assert.deepEqual(wrong, []);
    // Each documented grant was asked about (and allowed) at least once.
    assert.deepEqual(
      documented.map(grantKey).filter((key) => !allowedKeys.has(key)),
      [],
    );
  });

  test('Secrets are listed and watched, never read by name; nothing but status is written, nothing deleted', async () => {
    const secrets = { group: '', resource: 'secrets', namespace: 'default' };
    assert.equal(await mayI({ ...secrets, verb: 'list' }), true);
    assert.equal(await mayI({ ...secrets, verb: 'watch' }), true);
    const refused = [
      { ...secrets, verb: 'get', name: 'db-password' },
      { ...secrets, verb: 'get', namespace: NAMESPACE, name: 'pointsman-token' },
      { group: 'networking.k8s.io', resource: 'ingresses', verb: 'create', namespace: 'default' },
      {
        group: 'networking.k8s.io',
        resource: 'ingresses',
        verb: 'update',
        namespace: 'default',
        name: 'shop',
      },
      {
        group: 'networking.k8s.io',
        resource: 'ingresses',
        verb: 'patch',
        namespace: 'default',
        name: 'shop',
      },
      {
        group: 'networking.k8s.io',
        resource: 'ingresses',
        verb: 'delete',
        namespace: 'default',
        name: 'shop',
      },
      { group: '', resource: 'secrets', verb: 'delete', namespace: 'default', name: 'db-password' },
      { group: '', resource: 'services', verb: 'delete', namespace: NAMESPACE, name: 'pointsman' },
      { group: '', resource: 'events', verb: 'delete', namespace: 'default', name: 'shop.1' },
      {
        group: 'coordination.k8s.io',
        resource: 'leases',
        verb: 'delete',
        namespace: NAMESPACE,
        name: 'pointsman-leader',
      },
      {
        group: 'coordination.k8s.io',
        resource: 'leases',
        verb: 'get',
        namespace: NAMESPACE,
        name: 'someone-elses-lease',
      },
      {
        group: 'coordination.k8s.io',
        resource: 'leases',
        verb: 'update',
        namespace: NAMESPACE,
        name: 'someone-elses-lease',
      },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: 'default' },
      { group: '', resource: 'pods', verb: 'list', namespace: NAMESPACE },
      {
        group: '',
        resource: 'pods/portforward',
        verb: 'create',
        namespace: NAMESPACE,
        name: 'pointsman-0',
      },
      { group: '', resource: 'nodes', verb: 'list', namespace: '' },
    ];
    for (const question of refused) {
      assert.equal(await mayI(question), false, `allowed: ${JSON.stringify(question)}`);
    }
  });

  describe('every verb of deploy/ is needed', { concurrency: 4 }, () => {
    const removable = deployVerbs();
    const table = behaviours((objects) => createObjects(server, objects));

    test('each verb of deploy/ has a behaviour that needs it, and each behaviour a verb', () => {
      assert.deepEqual(removable.map((verb) => verb.key).sort(), Object.keys(table).sort());
      const namespaces = new Set(removable.map(variantNamespace));
      assert.equal(namespaces.size, removable.length, 'two variants would share a namespace');
    });

    test(`with every grant (${CONTROLLER_ACCOUNT.namespace}/${CONTROLLER_ACCOUNT.name}, through the conflict proxy), every behaviour works`, async () => {
      const world: World = {
        server,
        namespace: NAMESPACE,
        className: 'pointsman',
        controllerName: 'pointsman.dev/ingress-controller',
      };
      const all = Object.values(table);
      const objects = [...baseObjects(world)];
      for (const behaviour of all) objects.push(...(await behaviour.before(world)));
      await createObjects(server, objects);
      await runPointsman(world, CONTROLLER_ACCOUNT.name, true, async (running) => {
        for (const behaviour of all) await behaviour.works(world, running);
      });
    });

    for (const removed of removable) {
      const behaviour = table[removed.key];
      const namespace = variantNamespace(removed);
      test(`without ${removed.key} (${removed.kind} rule ${String(removed.rule)}): ${behaviour?.breaks ?? 'no behaviour'}`, async () => {
        assert.ok(behaviour !== undefined, `no behaviour needs ${removed.key}`);
        await runVariant(namespace, removed, behaviour);
      });
    }
  });
});

/** A namespace (and class, and account) of its own per verb taken away. */
function variantNamespace(removed: RemovedVerb): string {
  const tail = removed.key.slice(removed.key.indexOf('/') + 1);
  return `no-${tail.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
}

async function runVariant(
  namespace: string,
  removed: RemovedVerb,
  behaviour: Behaviour,
): Promise<void> {
  const world: World = {
    server,
    namespace,
    className: namespace,
    controllerName: `pointsman.dev/${namespace}`,
  };
  await createObjects(server, variantAccountObjects(namespace, removed));
  await createObjects(server, [...baseObjects(world), ...(await behaviour.before(world))]);
  await runPointsman(world, 'pointsman', behaviour.throughProxy === true, (running) =>
    behaviour.fails(world, running),
  );
}

/** Runs pointsman as ServiceAccount `world.namespace/account` while `body` runs, then stops it. */
async function runPointsman(
  world: World,
  account: string,
  throughProxy: boolean,
  body: (running: Running) => Promise<void>,
): Promise<void> {
  const proxy = throughProxy ? await startConflictProxy(server) : null;
  try {
    const kubeconfig = await accountKubeconfig(server, world.namespace, account, proxy ?? server);
    const process = await startController(['--kubeconfig', kubeconfig, ...worldFlags(world)], {
      POD_NAME: world.namespace,
    });
    try {
      await body({ process, proxy });
    } catch (error) {
      const tail = process.logs
        .slice(-30)
        .map((line) => JSON.stringify(line))
        .join('\n');
      throw new Error(`${String(error)}\nlast log lines of pointsman:\n${tail}`, { cause: error });
    } finally {
      await process.stop(5_000);
    }
  } finally {
    await proxy?.close();
  }
}
