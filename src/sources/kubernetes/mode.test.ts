import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IN_CLUSTER_TOKEN_PATH, kubernetesModeFrom, type KubernetesModeInputs } from './mode.ts';

const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1' };
const tokenPresent = (path: string): boolean => path === IN_CLUSTER_TOKEN_PATH;
const nothing = (): boolean => false;

function mode(inputs: Partial<KubernetesModeInputs>) {
  return kubernetesModeFrom({ manifests: false, env: {}, exists: nothing, ...inputs });
}

describe('kubernetesModeFrom', () => {
  test('--kubeconfig and --in-cluster pick the connection', () => {
    assert.deepEqual(mode({ kubeconfig: '/k' }), {
      mode: { connection: { mode: 'kubeconfig', path: '/k' }, namespaces: [] },
    });
    assert.deepEqual(mode({ inCluster: true, manifests: true }), {
      mode: { connection: { mode: 'in-cluster' }, namespaces: [] },
    });
  });

  test('in a Pod with neither --manifests nor --kubeconfig, in-cluster is the default', () => {
    assert.deepEqual(mode({ env: inPod, exists: tokenPresent }), {
      mode: { connection: { mode: 'in-cluster' }, namespaces: [] },
    });
    assert.deepEqual(mode({ env: inPod, exists: tokenPresent, manifests: true }), { mode: null });
    assert.deepEqual(mode({ env: inPod, exists: nothing }), { mode: null });
    assert.deepEqual(mode({ env: {}, exists: tokenPresent }), { mode: null });
  });

  test('--watch-namespace: repeatable and comma lists, deduplicated, names checked', () => {
    assert.deepEqual(mode({ kubeconfig: '/k', watchNamespaces: ['a, b', 'c', 'a'] }), {
      mode: { connection: { mode: 'kubeconfig', path: '/k' }, namespaces: ['a', 'b', 'c'] },
    });
    assert.match(problem(mode({ kubeconfig: '/k', watchNamespaces: ['Bad_Name'] })), /Bad_Name/);
    assert.match(problem(mode({ watchNamespaces: ['a'] })), /needs --kubeconfig or --in-cluster/);
  });

  test('contradictions are usage problems', () => {
    assert.match(problem(mode({ kubeconfig: '/k', inCluster: true })), /cannot be combined/);
    assert.match(problem(mode({ kubeconfig: '' })), /needs a path/);
  });
});

function problem(outcome: ReturnType<typeof kubernetesModeFrom>): string {
  assert.ok('problem' in outcome, 'a problem was expected');
  return outcome.problem;
}
