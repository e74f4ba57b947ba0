/** The IngressClass of ours (the default controller name) and the Service `web` in `default`. */
export const BASE_MANIFESTS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: pointsman
spec:
  controller: pointsman.dev/ingress-controller
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  ports:
  - name: http
    port: 80
    targetPort: http
`;

/** The EndpointSlice of `web`: one ready endpoint per address, all on `port`. */
export function sliceYaml(port: number, addresses: readonly string[]): string {
  const endpoints = addresses
    .map((address) => `- addresses: ["${address}"]\n  conditions:\n    ready: true`)
    .join('\n');
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: ${String(port)}
endpoints:
${endpoints}
`;
}

/** An Ingress routing `host` (all paths) to `web:80`, of class `className`. */
export function ingressYaml(name: string, host: string, className = 'pointsman'): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default
spec:
  ingressClassName: ${className}
  rules:
  - host: ${host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`;
}
