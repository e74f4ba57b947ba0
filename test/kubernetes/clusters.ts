// The two API servers the Kubernetes end-to-end suites run against: the in-repo fake (which
// also injects faults elsewhere) and a real etcd + kube-apiserver built from their Go modules,
// where pointsman runs as the ServiceAccount of deploy/ under the real RBAC authorizer and its
// backends live in network namespaces (a real API server refuses loopback endpoint addresses).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NETNS_SKIP, startNetnsPods } from '../helpers/netns-pods.ts';
import {
  REAL_API_SKIP,
  startRealApiServer,
  type RealApiServer,
  type RealApiServerOptions,
} from '../real-api-server/index.ts';
import { startAddressUpstreams, type AddressUpstreams } from './address-upstreams.ts';
import { KUBECTL, KUBECTL_SKIP, Kubectl } from './kubectl.ts';
import { startApi } from './support.ts';

/** A stored object, loosely typed: the suites read the fields they check. */
export type StoredObject = Record<string, unknown>;

/** One API server with backends, ready for a suite. */
export interface TestCluster {
  /** kubectl as an admin. */
  readonly kubectl: Kubectl;
  /** The kubeconfig `pointsman serve` runs with. */
  readonly controllerKubeconfig: string;
  /** Echo servers at addresses an EndpointSlice of this server may name. */
  readonly pods: AddressUpstreams;
  /** The object at an API path (e.g. /apis/networking.k8s.io/v1/namespaces/default/ingresses/shop), or undefined. */
  read(path: string): Promise<StoredObject | undefined>;
  /** The items of a collection at an API path. */
  list(path: string): Promise<StoredObject[]>;
  close(): Promise<void>;
}

/** A way to start a {@link TestCluster}, and when it cannot run here. */
export interface ClusterKind {
  readonly name: string;
  readonly skip: string | false;
  /** Whether the server refuses invalid objects (the real one does; the fake stores anything). */
  readonly validates: boolean;
  start(pods: number): Promise<TestCluster>;
}

/** The files of deploy/ that give the controller its identity and permissions. */
export const DEPLOY_RBAC_FILES = [
  'namespace.yaml',
  'service-account.yaml',
  'cluster-role.yaml',
  'cluster-role-binding.yaml',
  'role.yaml',
  'role-binding.yaml',
];

/** The ServiceAccount of deploy/. */
export const CONTROLLER_ACCOUNT = { namespace: 'pointsman', name: 'pointsman' };

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

/** The in-repo fake API server; backends on 127.0.0.2 upwards. */
export const FAKE_CLUSTER: ClusterKind = {
  name: 'the fake API server',
  skip: KUBECTL_SKIP,
  validates: false,
  start: async (count) => {
    const api = await startApi();
    const pods = await startAddressUpstreams(count);
    const read = (path: string): Promise<{ status: number; body: unknown }> =>
      fetchJson(api.server.url, path);
    return {
      kubectl: new Kubectl(KUBECTL ?? '', api.kubeconfig, api.dir),
      controllerKubeconfig: api.kubeconfig,
      pods,
      read: async (path) => objectOf(await read(path), path),
      list: async (path) => itemsOf(await read(path), path),
      close: async () => {
        await pods.close();
        await api.close();
      },
    };
  },
};

/** A {@link TestCluster} on a real API server, which the suite may also restart or inspect. */
export type RealTestCluster = TestCluster & { readonly server: RealApiServer };

/**
 * Starts a real kube-apiserver, applies deploy/'s Namespace, ServiceAccount and RBAC, gives
 * pointsman a token of that ServiceAccount, and starts `count` Pods in network namespaces.
 */
export async function startRealCluster(
  count: number,
  options: RealApiServerOptions = {},
): Promise<RealTestCluster> {
  const server = await startRealApiServer(options);
  try {
    await applyDeployRbac(server.kubectl);
    const controllerKubeconfig = await server.serviceAccountKubeconfig(
      CONTROLLER_ACCOUNT.namespace,
      CONTROLLER_ACCOUNT.name,
    );
    const pods = await startNetnsPods(count);
    return {
      server,
      kubectl: server.kubectl,
      controllerKubeconfig,
      pods,
      read: async (path) => objectOf(await server.request('GET', path), path),
      list: async (path) => itemsOf(await server.request('GET', path), path),
      close: async () => {
        await pods.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A real API server, with pointsman as deploy/'s ServiceAccount and Pods in network namespaces. */
export const REAL_CLUSTER: ClusterKind = {
  name: 'a real kube-apiserver',
  skip: REAL_API_SKIP === false ? NETNS_SKIP : REAL_API_SKIP,
  validates: true,
  start: (count) => startRealCluster(count),
};

/** Both, fake first. */
export const CLUSTERS: readonly ClusterKind[] = [FAKE_CLUSTER, REAL_CLUSTER];

/** Applies the Namespace, ServiceAccount and RBAC objects of deploy/ with kubectl. */
export async function applyDeployRbac(kubectl: Kubectl): Promise<void> {
  const documents = await Promise.all(
    DEPLOY_RBAC_FILES.map((file) => readFile(join(DEPLOY, file), 'utf8')),
  );
  await kubectl.apply(documents.join('\n---\n'));
}

function objectOf(
  reply: { status: number; body: unknown },
  path: string,
): StoredObject | undefined {
  if (reply.status === 404) return undefined;
  if (reply.status !== 200) throw new Error(`GET ${path}: ${JSON.stringify(reply)}`);
  return reply.body as StoredObject;
}

function itemsOf(reply: { status: number; body: unknown }, path: string): StoredObject[] {
  const items = (objectOf(reply, path) as { items?: StoredObject[] } | undefined)?.items;
  if (items === undefined) throw new Error(`GET ${path}: no list: ${JSON.stringify(reply)}`);
  return items;
}

/** A GET to the fake (plain HTTP on loopback, any token). */
async function fetchJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    headers: { authorization: 'Bearer fake-token' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.json() };
}
