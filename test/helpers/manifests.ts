import { rmSync } from 'node:fs';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * A Service `name` (port 80, named http) and one EndpointSlice per upstream port, each with one
 * ready endpoint on 127.0.0.1 (a slice has one port, and test upstreams each have their own).
 */
export function serviceWithEndpoints(
  name: string,
  ports: readonly number[],
  namespace = 'default',
): object[] {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
  const slices = ports.map((port, index) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${name}-${String(index)}`,
      namespace,
      labels: { 'kubernetes.io/service-name': name },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  }));
  return [service, ...slices];
}

/** Our IngressClass, marked default. */
export const INGRESS_CLASS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: {
    name: 'pointsman',
    annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
  },
  spec: { controller: 'pointsman.dev/ingress-controller' },
};

/** An Ingress routing `host` (null: any host) paths (Prefix) to `service` port 80. */
export function ingress(
  name: string,
  host: string | null,
  paths: Readonly<Record<string, string>>,
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      rules: [
        {
          ...(host === null ? {} : { host }),
          http: {
            paths: Object.entries(paths).map(([path, service]) => ({
              path,
              pathType: 'Prefix',
              backend: { service: { name: service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

const made: string[] = [];
// Each test file runs in a process of its own: its directories go when it exits, whichever
// test made them and however it ended (serve processes are stopped by then).
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory for manifests, removed when the test process exits. */
export async function manifestDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-manifests-'));
  made.push(dir);
  return dir;
}

/** Writes objects as one multi-document YAML file, atomically (write then rename), as editors do. */
export async function writeManifests(file: string, objects: readonly object[]): Promise<void> {
  const text = objects.map((object) => stringify(object)).join('---\n');
  const temporary = `${file}.${String(process.pid)}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** One path of {@link ingressWith}: Prefix unless said otherwise, to `service` port 80. */
export interface TestPath {
  readonly path: string;
  readonly pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  readonly service: string;
}

/**
 * An Ingress in namespace `default` with rules for `hosts` (each with the same `paths`),
 * annotations, and a creation time (age decides conflicts and several annotations).
 */
export function ingressWith(options: {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly paths: readonly TestPath[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly created?: string;
}): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: options.name,
      namespace: 'default',
      annotations: options.annotations ?? {},
      creationTimestamp: options.created ?? '2024-01-01T00:00:00Z',
    },
    spec: {
      rules: options.hosts.map((host) => ({
        host,
        http: {
          paths: options.paths.map(({ path, pathType, service }) => ({
            path,
            pathType: pathType ?? 'Prefix',
            backend: { service: { name: service, port: { number: 80 } } },
          })),
        },
      })),
    },
  };
}
