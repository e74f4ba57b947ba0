import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../observability/index.ts';

/** One logged line, parsed. */
export type LogLine = Record<string, unknown> & { readonly level: number; readonly msg: string };

/** A logger whose lines the test can read (pino levels: 30 info, 40 warn, 50 error). */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

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
