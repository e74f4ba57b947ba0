// `pointsman migrate --kubeconfig` against the fake API server: objects applied with real
// kubectl, verdicts as with manifests, and not one request that writes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/run-cli.ts';
import { KUBECTL, KUBECTL_SKIP, Kubectl } from './kubectl.ts';
import { startApi, type ApiFixture } from './support.ts';

const OBJECTS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: v1
kind: Service
metadata:
  name: http-svc
  namespace: default
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: http-svc-abcde
  namespace: default
  labels:
    kubernetes.io/service-name: http-svc
addressType: IPv4
ports:
- name: http
  port: 8080
endpoints:
- addresses: ["10.0.0.7"]
  conditions:
    ready: true
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: hello
  namespace: default
spec:
  ingressClassName: nginx
  rules:
  - host: hello.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: http-svc
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: basic-auth
  namespace: default
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/auth-type: basic
    nginx.ingress.kubernetes.io/auth-secret: basic-auth
spec:
  rules:
  - host: auth.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: http-svc
            port:
              number: 80
`;

interface Report {
  ingresses: {
    namespace: string;
    name: string;
    verdict: string;
    notServedBecause: string | null;
  }[];
  summary: { total: number; servedIdentically: number; notServed: number };
}

describe('pointsman migrate --kubeconfig', { skip: KUBECTL_SKIP }, () => {
  let api: ApiFixture;

  before(async () => {
    api = await startApi();
    await new Kubectl(KUBECTL ?? '', api.kubeconfig, api.dir).apply(OBJECTS);
  });

  after(async () => {
    await api.close();
  });

  test('the verdicts of the cluster, and only GET requests', async () => {
    api.server.clearRequests();
    const run = await runCli(['migrate', '--kubeconfig', api.kubeconfig, '--output', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.ingresses.map((entry) => [entry.name, entry.verdict, entry.notServedBecause]),
      [
        ['basic-auth', 'not-served', 'fails-closed'],
        ['hello', 'served-identically', null],
      ],
    );
    assert.equal(report.summary.total, 2);
    const requests = api.server.requests;
    assert.ok(requests.some((request) => request.path.endsWith('/ingresses')));
    const writes = requests.filter((request) => request.method !== 'GET');
    assert.deepEqual(writes, [], 'migrate must never write');
    assert.ok(
      requests.every((request) => request.query['watch'] === undefined),
      'no watch',
    );
  });

  test('--watch-namespace lists only that namespace', async () => {
    api.server.clearRequests();
    const run = await runCli([
      'migrate',
      '--kubeconfig',
      api.kubeconfig,
      '--watch-namespace',
      'other',
      '-o',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as Report).summary.total, 0);
    assert.ok(
      api.server.requests
        .filter((request) => request.path.endsWith('/ingresses'))
        .every((request) => request.path.includes('/namespaces/other/')),
    );
  });

  test('a list that fails: no report, the error on stderr, exit 1', async () => {
    api.server.failNext(1, 403, (request) => request.path.endsWith('/services'));
    const run = await runCli(['migrate', '--kubeconfig', api.kubeconfig]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: cannot list services: /m);
  });
});
