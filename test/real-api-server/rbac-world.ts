// The objects one pointsman of the RBAC suite works on, in a namespace and IngressClass of its
// own (so that many run against one API server without seeing each other's Ingresses), and for
// each watched kind a change made while it runs, with how pointsman's status page shows it seen.
import { createTestCa, tlsSecret, type IssuedCertificate } from '../helpers/tls-certificates.ts';
import { FAST_ELECTION_FLAGS } from '../kubernetes/election-flags.ts';
import type { ObjectRow } from './rbac-probes.ts';
import type { RealApiServer } from './server.ts';

/** Where one pointsman runs: its namespace (Lease, published Service, test objects) and class. */
export interface World {
  readonly server: RealApiServer;
  readonly namespace: string;
  /** The IngressClass it serves, and that class's `spec.controller` (`--controller-name`). */
  readonly className: string;
  readonly controllerName: string;
}

/** The address of the `--publish-service` Service (its external IP). */
export const PUBLISHED_ADDRESS = '203.0.113.9';

/** `pointsman serve` flags every pointsman of a {@link World} gets. */
export function worldFlags(world: World): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--admin-bind',
    '127.0.0.1',
    '--controller-name',
    world.controllerName,
    '--ingress-class',
    world.className,
    '--election-namespace',
    world.namespace,
    '--publish-service',
    `${world.namespace}/pointsman`,
    '--allowed-response-headers',
    'X-Rbac',
    // The suite reads the debug lines of Lease attempts and list and watch failures.
    '--log-level',
    'debug',
    ...FAST_ELECTION_FLAGS,
  ];
}

function ingress(
  world: World,
  name: string,
  options: {
    readonly service?: string;
    readonly className?: string;
    readonly annotations?: Record<string, string>;
    readonly tlsSecret?: string;
  } = {},
): object {
  const host = `${name}.${world.namespace}.example`;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: world.namespace,
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    },
    spec: {
      ingressClassName: options.className ?? world.className,
      ...(options.tlsSecret === undefined
        ? {}
        : { tls: [{ hosts: [host], secretName: options.tlsSecret }] }),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: options.service ?? 'nowhere', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function ingressClass(name: string, controller: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name },
    spec: { controller },
  };
}

function service(world: World, name: string, externalIPs: readonly string[] = []): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: world.namespace },
    spec: {
      ports: [{ port: 80, protocol: 'TCP' }],
      ...(externalIPs.length === 0 ? {} : { externalIPs }),
    },
  };
}

/** An unknown annotation under the ingress-nginx prefix: a Warning, and the Ingress served. */
const NOISE = { 'nginx.ingress.kubernetes.io/rbac-unknown': 'yes' };

/**
 * What every pointsman of a {@link World} starts with: its IngressClass, the Service it
 * publishes, the Ingress `web` that gets the address, the Ingress `noisy` that gets a Warning.
 */
export function baseObjects(world: World): object[] {
  return [
    ingressClass(world.className, world.controllerName),
    service(world, 'pointsman', [PUBLISHED_ADDRESS]),
    ingress(world, 'web'),
    ingress(world, 'noisy', { annotations: NOISE }),
  ];
}

let certificate: Promise<IssuedCertificate> | null = null;

/** One certificate for every `tls-watch` Ingress (made once per process). */
function testCertificate(): Promise<IssuedCertificate> {
  certificate ??= (async () => {
    const ca = await createTestCa();
    try {
      return await ca.issue({ dns: ['*.example'] });
    } finally {
      await ca.close();
    }
  })();
  return certificate;
}

/** A change of one watched kind, and how pointsman shows it has seen it. */
export interface Change {
  /** The `kind` the reflector's log lines carry. */
  readonly kind: string;
  readonly before: (world: World) => Promise<object[]>;
  readonly change: (world: World) => Promise<object[]>;
  /** The Ingress whose row shows it, and what the row looks like before and after it is seen. */
  readonly ingress: string;
  readonly unseen: (row: ObjectRow | undefined) => boolean;
  readonly seen: (row: ObjectRow | undefined) => boolean;
}

const lacks =
  (code: string) =>
  (row: ObjectRow | undefined): boolean =>
    row !== undefined && !row.problems.includes(code);
const has =
  (code: string) =>
  (row: ObjectRow | undefined): boolean =>
    row?.problems.includes(code) === true;

export const CHANGES: Readonly<Record<string, Change>> = {
  ingresses: {
    kind: 'Ingress',
    before: () => Promise.resolve([]),
    change: (world) => Promise.resolve([ingress(world, 'late-ingress')]),
    ingress: 'late-ingress',
    unseen: (row) => row === undefined,
    seen: (row) => row?.state === 'Accepted',
  },
  ingressclasses: {
    kind: 'IngressClass',
    before: (world) =>
      Promise.resolve([ingress(world, 'late-class', { className: `${world.className}-late` })]),
    change: (world) =>
      Promise.resolve([ingressClass(`${world.className}-late`, world.controllerName)]),
    ingress: 'late-class',
    unseen: (row) => row?.state === 'Ignored',
    seen: (row) => row?.state === 'Accepted',
  },
  services: {
    kind: 'Service',
    before: (world) => Promise.resolve([ingress(world, 'svc-watch', { service: 'svc-watch' })]),
    change: (world) => Promise.resolve([service(world, 'svc-watch')]),
    ingress: 'svc-watch',
    unseen: has('ServiceNotFound'),
    seen: lacks('ServiceNotFound'),
  },
  endpointslices: {
    kind: 'EndpointSlice',
    before: (world) =>
      Promise.resolve([
        ingress(world, 'slice-watch', { service: 'slice-watch' }),
        service(world, 'slice-watch'),
      ]),
    change: (world) =>
      Promise.resolve([
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'slice-watch',
            namespace: world.namespace,
            labels: { 'kubernetes.io/service-name': 'slice-watch' },
          },
          addressType: 'IPv4',
          // TEST-NET-1: a real API server refuses loopback endpoints; nothing connects to it.
          endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      ]),
    ingress: 'slice-watch',
    unseen: has('NoReadyEndpoints'),
    seen: lacks('NoReadyEndpoints'),
  },
  secrets: {
    kind: 'Secret',
    before: (world) => Promise.resolve([ingress(world, 'tls-watch', { tlsSecret: 'tls-watch' })]),
    change: async (world) => [tlsSecret('tls-watch', await testCertificate(), world.namespace)],
    ingress: 'tls-watch',
    unseen: has('SecretNotFound'),
    seen: lacks('SecretNotFound'),
  },
  configmaps: {
    kind: 'ConfigMap',
    before: (world) =>
      Promise.resolve([
        ingress(world, 'cm-watch', {
          annotations: { 'nginx.ingress.kubernetes.io/custom-headers': 'cm-watch' },
        }),
      ]),
    change: (world) =>
      Promise.resolve([
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm-watch', namespace: world.namespace },
          data: { 'X-Rbac': 'yes' },
        },
      ]),
    ingress: 'cm-watch',
    unseen: has('IgnoredAnnotation'),
    seen: lacks('IgnoredAnnotation'),
  },
};
