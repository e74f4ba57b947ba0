import type { KubeObject, StoredObject } from '../src/objects/index.ts';

/**
 * Synthetic objects for benchmarks: `count` Ingresses in 100 namespaces, each with its own host,
 * three paths, and a Service with an EndpointSlice of three ready endpoints.
 */
export function generateObjects(count: number): StoredObject[] {
  const objects: StoredObject[] = [];
  let sequence = 0;
  const add = (kind: StoredObject['kind'], object: KubeObject): void => {
    objects.push({
      kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      object,
      origin: { source: 'kubernetes' },
      sequence: sequence++,
    });
  };
  add('IngressClass', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'pointsman' },
    spec: { controller: 'pointsman.dev/ingress-controller' },
  });
  for (let i = 0; i < count; i++) {
    const namespace = `ns-${String(i % 100)}`;
    const name = `app-${String(i)}`;
    const backend = { service: { name, port: { number: 80 } } };
    add('Ingress', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace },
      spec: {
        ingressClassName: 'pointsman',
        rules: [
          {
            host: `${name}.example.com`,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend },
                { path: '/api/v1', pathType: 'Prefix', backend },
                { path: '/healthz', pathType: 'Exact', backend },
              ],
            },
          },
        ],
      },
    });
    add('Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    add('EndpointSlice', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-x`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [1, 2, 3].map((n) => ({
        addresses: [`10.${String(i >> 8)}.${String(i & 255)}.${String(n)}`],
        conditions: { ready: true },
      })),
    });
  }
  return objects;
}
