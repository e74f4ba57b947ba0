export { capturingLogger, type LogLine } from '../../test/helpers/capturing-logger.ts';

/** An IngressClass of ours that is the default, so class-less Ingresses are ours. */
export const CLASS_YAML = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: pointsman
  annotations: { ingressclass.kubernetes.io/is-default-class: 'true' }
spec:
  controller: pointsman.dev/ingress-controller
`;

/** Service `shop/web` (port 80) with one ready endpoint. */
export const SERVICE_YAML = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-a, namespace: shop, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: http, port: 8080 }]
endpoints:
  - { addresses: [10.0.0.1], conditions: { ready: true } }
`;

/** Ingress `shop/<name>` routing `host` + `path` (Prefix) to Service web:80. */
export function ingressYaml(name: string, host: string, path: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: shop }
spec:
  rules:
    - host: ${host}
      http:
        paths:
          - { path: '${path}', pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
`;
}
