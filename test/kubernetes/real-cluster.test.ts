// The Kubernetes end-to-end check against an API server that is not the project's own: set
// POINTSMAN_E2E_KUBECONFIG to a kubeconfig of a disposable cluster (kind, k3s, minikube) and
// run `npx node --test test/kubernetes/real-cluster.test.ts`. Skipped otherwise: CI has no
// whole cluster (no container engine); the suites of routing.test.ts, status.test.ts and
// real-api-server.test.ts run against a real kube-apiserver without one, which the test suite
// builds and starts itself. It works in a namespace and an IngressClass of its own, with a controller name of
// its own (so no other controller takes its Ingress), and deletes both at the end.
// `pointsman serve` runs here, so the EndpointSlice names an echo server on this machine's
// loopback; an API server that refuses loopback endpoint addresses fails the test at apply.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAddressUpstreams, type AddressUpstreams } from './address-upstreams.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { KUBECTL, Kubectl } from './kubectl.ts';
import { get, untilStatus } from './traffic.ts';

const KUBECONFIG = process.env['POINTSMAN_E2E_KUBECONFIG'];
const SUFFIX = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const NAMESPACE = `pointsman-e2e-${SUFFIX}`;
const CLASS = `pointsman-e2e-${SUFFIX}`;
const CONTROLLER = `pointsman.dev/e2e-${SUFFIX}`;
const HOST = `${SUFFIX}.e2e.example.com`;
const ADDRESS = '203.0.113.9';

function manifests(port: number, address: string): string {
  return `apiVersion: v1
kind: Namespace
metadata: { name: ${NAMESPACE} }
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: ${CLASS} }
spec: { controller: ${CONTROLLER} }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  ports: [{ name: http, port: 80, targetPort: ${String(port)} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: ${NAMESPACE}
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
ports: [{ name: http, port: ${String(port)} }]
endpoints:
  - addresses: ['${address}']
    conditions: { ready: true }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop, namespace: ${NAMESPACE} }
spec:
  ingressClassName: ${CLASS}
  rules:
    - host: ${HOST}
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
`;
}

const skip =
  KUBECONFIG === undefined
    ? 'set POINTSMAN_E2E_KUBECONFIG to a disposable cluster to run it'
    : KUBECTL === null
      ? 'no versioned kubectl'
      : false;

describe('pointsman serve against a real API server', { skip }, () => {
  let dir: string;
  let kubectl: Kubectl;
  let upstreams: AddressUpstreams;
  let controller: ControllerProcess;
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pointsman-e2e-'));
    kubectl = new Kubectl(KUBECTL ?? '', KUBECONFIG ?? '', dir);
    upstreams = await startAddressUpstreams(1);
    await kubectl.apply(manifests(upstreams.port, upstreams.addresses[0] ?? ''));
    controller = await startController([
      '--kubeconfig',
      KUBECONFIG ?? '',
      '--watch-namespace',
      NAMESPACE,
      '--controller-name',
      CONTROLLER,
      '--election-namespace',
      NAMESPACE,
      '--publish-status-address',
      ADDRESS,
    ]);
    port = await controller.serving;
  });
  after(async () => {
    await controller.stop();
    await kubectl.run('delete', 'namespace', NAMESPACE, '--wait=false');
    await kubectl.run('delete', 'ingressclass', CLASS);
    await upstreams.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the applied Ingress routes and gets the published address', async () => {
    await untilStatus(port, HOST, 200, 20_000);
    assert.deepEqual(await get(port, HOST), { status: 200, body: upstreams.addresses[0] });
    const deadline = Date.now() + 20_000;
    let published = '';
    while (published !== ADDRESS) {
      assert.ok(Date.now() < deadline, `no address on the Ingress; last seen ${published}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      published = (
        await kubectl.run(
          'get',
          'ingress',
          'shop',
          '-n',
          NAMESPACE,
          '-o',
          'jsonpath={.status.loadBalancer.ingress[0].ip}',
        )
      ).trim();
    }
  });
});
