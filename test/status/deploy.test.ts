import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubectlBinary, startApi } from './support.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

/** Every object deploy/ holds, as `kind namespace/name`. */
const EXPECTED = [
  'Namespace /pointsman',
  'ServiceAccount pointsman/pointsman',
  'ClusterRole /pointsman',
  'ClusterRoleBinding /pointsman',
  'Role pointsman/pointsman-leader-election',
  'RoleBinding pointsman/pointsman-leader-election',
  'IngressClass /pointsman',
  'Deployment pointsman/pointsman',
  'Service pointsman/pointsman',
  'PodDisruptionBudget pointsman/pointsman',
  'NetworkPolicy pointsman/pointsman',
];

for (const minor of [33, 27]) {
  test(
    `kubectl 1.${String(minor)} applies deploy/ with -k`,
    { skip: kubectlBinary(minor) === null },
    async () => {
      const api = await startApi(minor);
      try {
        const output = await api.kubectl(['apply', '-k', DEPLOY]);
        assert.equal(output.trim().split('\n').length, EXPECTED.length, output);
        for (const entry of EXPECTED) {
          const [kind = '', ref = ''] = entry.split(' ');
          const [namespace = '', name = ''] = ref.split('/');
          const object = api.server.get(kind, { namespace, name });
          assert.ok(object, `${entry} was created`);
        }
        const listed = await api.kubectl([
          'get',
          'deployment,service,serviceaccount,role,rolebinding,poddisruptionbudget,networkpolicy',
          '-n',
          'pointsman',
          '-o',
          'name',
        ]);
        assert.deepEqual(listed.trim().split('\n').sort(), [
          'deployment.apps/pointsman',
          'networkpolicy.networking.k8s.io/pointsman',
          'poddisruptionbudget.policy/pointsman',
          'role.rbac.authorization.k8s.io/pointsman-leader-election',
          'rolebinding.rbac.authorization.k8s.io/pointsman-leader-election',
          'service/pointsman',
          'serviceaccount/pointsman',
        ]);
        const controller = await api.kubectl([
          'get',
          'ingressclass',
          'pointsman',
          '-o',
          'jsonpath={.spec.controller}',
        ]);
        assert.equal(controller, 'pointsman.dev/ingress-controller');
        const image = await api.kubectl([
          'get',
          'deployment',
          'pointsman',
          '-n',
          'pointsman',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ]);
        assert.equal(image, 'pointsman:0.1.0', 'the kustomization names the image');
        const version = api.server.resourceVersion;
        const again = await api.kubectl(['apply', '-k', DEPLOY]);
        assert.equal(api.server.resourceVersion, version, 'applying twice changes nothing');
        // kubectl always sends a PodDisruptionBudget's selector (its patch strategy is
        // "replace"), so it says "configured" for it on real clusters too.
        const lines = again.trim().split('\n');
        assert.deepEqual(
          lines.filter((line) => !line.endsWith(' unchanged')),
          ['poddisruptionbudget.policy/pointsman configured'],
        );
      } finally {
        await api.close();
      }
    },
  );
}
