import type { KubeObject } from '../../src/objects/index.ts';

/** The Service every edit moves an Ingress's second path to (one per namespace). */
export const ALT_SERVICE = 'alt';

/** The two loopback backends: every app starts on `a`; edits and slice changes lead to `b`. */
export interface Backends {
  readonly a: number;
  readonly b: number;
}

/** Namespaces the apps are spread over (as bench/generate-objects.ts: 100). */
export function namespaceOf(index: number): string {
  return `ns-${String(index % 100)}`;
}

/** Name of app `index`: its Ingress, Service and (with `-1`) EndpointSlice. */
export function appName(index: number): string {
  return `app-${String(index)}`;
}

/** Host of app `index`'s Ingress. */
export function hostOf(index: number): string {
  return `${appName(index)}.example.com`;
}

/** The second path of every Ingress: what an edit moves to the `alt` Service. */
export const EDITED_PATH = '/api';

/** The IngressClass that makes the Ingresses ours. */
export function ingressClass(): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'pointsman' },
    spec: { controller: 'pointsman.dev/ingress-controller' },
  };
}

/**
 * App `index`'s Ingress: its own host, `/` and `/api` (both Prefix) to its own Service; with
 * `edited`, `/api` goes to the `alt` Service instead.
 */
export function ingress(index: number, edited = false): KubeObject {
  const own = { service: { name: appName(index), port: { number: 80 } } };
  const api = edited ? { service: { name: ALT_SERVICE, port: { number: 80 } } } : own;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: appName(index), namespace: namespaceOf(index) },
    spec: {
      ingressClassName: 'pointsman',
      rules: [
        {
          host: hostOf(index),
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: own },
              { path: EDITED_PATH, pathType: 'Prefix', backend: api },
            ],
          },
        },
      ],
    },
  };
}

/** A Service named `name` in `namespace` with one port, 80, named http. */
export function service(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

/** The EndpointSlice of Service `name`: one ready endpoint, 127.0.0.1:`port`. */
export function endpointSlice(name: string, namespace: string, port: number): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${name}-1`,
      namespace,
      labels: { 'kubernetes.io/service-name': name },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  };
}

/** App `index`'s three objects: Ingress, Service, EndpointSlice (to backend `a`). */
export function appObjects(index: number, backends: Backends): KubeObject[] {
  const name = appName(index);
  const namespace = namespaceOf(index);
  return [ingress(index), service(name, namespace), endpointSlice(name, namespace, backends.a)];
}

/** The `alt` Service and its slice (to backend `b`) in each namespace the apps use. */
export function altObjects(count: number, backends: Backends): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < Math.min(count, 100); n++) {
    const namespace = namespaceOf(n);
    objects.push(
      service(ALT_SERVICE, namespace),
      endpointSlice(ALT_SERVICE, namespace, backends.b),
    );
  }
  return objects;
}

/**
 * The apps the measurements touch, spread over the estate and never `steady` (app 0, whose
 * host the steady request stream uses): `edits` apps for Ingress edits, then `slices` others
 * for EndpointSlice changes. Needs count > edits + slices.
 */
export function targets(
  count: number,
  edits: number,
  slices: number,
): {
  readonly steady: number;
  readonly edits: number[];
  readonly slices: number[];
} {
  const total = edits + slices;
  if (count <= total)
    throw new Error(`${String(count)} Ingresses are too few for ${String(total)} changes`);
  const picked: number[] = [];
  for (let k = 0; k < total; k++) picked.push(1 + Math.floor((k * (count - 1)) / total));
  return { steady: 0, edits: picked.slice(0, edits), slices: picked.slice(edits) };
}
