// The chart against a real kube-apiserver (no controllers, no nodes): helm's server-side dry
// run, then the install, upgrade and uninstall that docs/install.md describes.
import assert from 'node:assert/strict';
import { after, before, suite, test } from 'node:test';
import { REAL_API_SKIP, startRealApiServer, type RealApiServer } from '../real-api-server/index.ts';
import { CHART, HELM_SKIP, runHelm, type HelmRun } from './helm.ts';

/** Every kind the default values render, and where the API serves one of them by name. */
const OBJECTS: Record<string, (namespace: string) => string> = {
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts/pointsman`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles/pointsman',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/pointsman',
  Role: (ns) =>
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/pointsman-leader-election`,
  RoleBinding: (ns) =>
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/pointsman-leader-election`,
  IngressClass: () => '/apis/networking.k8s.io/v1/ingressclasses/pointsman',
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments/pointsman`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services/pointsman`,
  PodDisruptionBudget: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/pointsman`,
  NetworkPolicy: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/pointsman`,
};

const skip = REAL_API_SKIP === false ? HELM_SKIP : REAL_API_SKIP;

suite('the chart against a real API server', { skip }, () => {
  let server: RealApiServer;
  let helm: (...args: string[]) => Promise<HelmRun>;
  before(async () => {
    server = await startRealApiServer();
    helm = (...args) => runHelm([...args, '--kubeconfig', server.adminKubeconfig]);
  });
  after(async () => {
    await server.close();
  });

  test('helm install --dry-run=server succeeds and renders every kind', async () => {
    const run = await helm(
      'install',
      'pointsman',
      CHART,
      '--namespace',
      'pointsman',
      '--create-namespace',
      '--dry-run=server',
    );
    assert.equal(run.code, 0, run.stderr);
    for (const kind of Object.keys(OBJECTS)) {
      assert.match(run.stdout, new RegExp(`^kind: ${kind}$`, 'm'), kind);
    }
    // A dry run creates nothing, not even the namespace.
    const namespace = await server.request('GET', '/api/v1/namespaces/pointsman');
    assert.equal(namespace.status, 404);
  });

  test('a ServiceMonitor is refused clearly where its CRD is not installed', async () => {
    const run = await helm(
      'install',
      'pointsman',
      CHART,
      '--namespace',
      'pointsman',
      '--dry-run=server',
      '--set',
      'controller.metrics.serviceMonitor.enabled=true',
    );
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /ServiceMonitor/);
    assert.match(run.stderr, /monitoring\.coreos\.com\/v1/);
  });

  test('install, upgrade and uninstall, as docs/install.md says', async () => {
    const ns = 'pointsman-helm';
    const install = await helm('install', 'pointsman', CHART, '-n', ns, '--create-namespace');
    assert.equal(install.code, 0, install.stderr);
    for (const [kind, path] of Object.entries(OBJECTS)) {
      const reply = await server.request('GET', path(ns));
      assert.equal(reply.status, 200, `${kind} ${path(ns)}`);
    }
    const replicas = async (): Promise<unknown> =>
      (
        (await server.request('GET', OBJECTS['Deployment']?.(ns) ?? '')).body as {
          spec: { replicas: number };
        }
      ).spec.replicas;
    assert.equal(await replicas(), 2);

    const upgrade = await helm(
      'upgrade',
      'pointsman',
      CHART,
      '-n',
      ns,
      '--reuse-values',
      '--set',
      'controller.replicaCount=3',
    );
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.equal(await replicas(), 3);
    const list = await helm('list', '-n', ns, '-o', 'json');
    assert.equal(list.code, 0, list.stderr);
    const [release] = JSON.parse(list.stdout) as { name: string; revision: string | number }[];
    assert.equal(release?.name, 'pointsman');
    assert.equal(String(release.revision), '2');

    const uninstall = await helm('uninstall', 'pointsman', '-n', ns);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    for (const [kind, path] of Object.entries(OBJECTS)) {
      const reply = await server.request('GET', path(ns));
      assert.equal(reply.status, 404, `${kind} is gone`);
    }
  });
});
