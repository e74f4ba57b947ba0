import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The host both proxies route to the backend. */
export const BENCH_HOST = 'bench.example.com';

/**
 * One Ingress for `host`, all paths to the bench backend, with `annotations` (YAML flow-map
 * entries, e.g. `a/b: '1'`); the default IngressClass makes it ours without naming a class.
 */
export function benchIngress(name: string, host: string, annotations = ''): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: default, annotations: { ${annotations} } }
spec:
  rules:
    - host: ${host}
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: backend, port: { number: 80 } } } }
`;
}

/**
 * The default IngressClass, then `ingresses`, then the backend's Service and EndpointSlice
 * (127.0.0.1:backendPort), as one multi-document YAML text.
 */
export function benchObjects(backendPort: number, ingresses: readonly string[]): string {
  return `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: pointsman
  annotations: { ingressclass.kubernetes.io/is-default-class: 'true' }
spec: { controller: pointsman.dev/ingress-controller }
---
${ingresses.join('---\n')}---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: default }
spec:
  ports: [{ name: http, port: 80, targetPort: ${String(backendPort)} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: backend-1
  namespace: default
  labels: { kubernetes.io/service-name: backend }
addressType: IPv4
ports: [{ name: http, port: ${String(backendPort)} }]
endpoints:
  - addresses: ['127.0.0.1']
    conditions: { ready: true }
`;
}

/**
 * Writes the manifests pointsman serves into `dir`: the IngressClass, the bench Ingress, its
 * Service and EndpointSlice (the backend on 127.0.0.1:backendPort), and `extraIngresses` more
 * Ingresses for other hosts (`extra-N.example.com`) to the same Service.
 */
export function writeManifests(dir: string, backendPort: number, extraIngresses: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench.yaml'),
    benchObjects(backendPort, [benchIngress('bench', BENCH_HOST)]),
  );
  if (extraIngresses === 0) return;
  const docs: string[] = [];
  for (let i = 0; i < extraIngresses; i++) {
    docs.push(benchIngress(`extra-${String(i)}`, `extra-${String(i)}.example.com`));
  }
  writeFileSync(join(dir, 'extra-ingresses.yaml'), docs.join('---\n'));
}
