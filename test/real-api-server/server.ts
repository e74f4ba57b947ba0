import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kubectl } from '../kubernetes/kubectl.ts';
import { kubernetesBinaries, type KubernetesBinaries } from './binaries.ts';
import { freeFixedPort } from '../helpers/free-port.ts';
import { startDaemon, type Daemon } from './daemon.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ADMIN_USER, writeApiServerPki, type ApiServerPki } from './pki.ts';

/** How the API server is started. */
export interface RealApiServerOptions {
  /** `--watch-cache` (default true); false sends every watch to etcd, as compaction tests need. */
  readonly watchCache?: boolean;
  /** Extra kube-apiserver flags. */
  readonly extraFlags?: readonly string[];
}

/** A JSON answer of the API server (or etcd). */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

/** etcd and a real kube-apiserver on loopback, with RBAC, for one test file. */
export interface RealApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** etcd's client URL (its JSON gateway serves /v3/kv/range, /v3/kv/compaction). */
  readonly etcdUrl: string;
  readonly caPem: string;
  /** The fixture's directory: PKI, kubeconfigs, etcd's data, the programs' logs. */
  readonly dir: string;
  readonly binaries: KubernetesBinaries;
  /** A kubeconfig for an admin (group system:masters, a static token). */
  readonly adminKubeconfig: string;
  /** kubectl (built from the same Kubernetes version) with the admin kubeconfig. */
  readonly kubectl: Kubectl;
  /** One request as the admin (or with `token`); a JSON body is sent as JSON. */
  request(method: string, path: string, body?: unknown, token?: string): Promise<ApiReply>;
  /** One request to etcd's JSON gateway. */
  etcd(path: string, body: unknown): Promise<ApiReply>;
  /** A token of ServiceAccount `namespace/name` from the TokenRequest API, valid for an hour. */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  /**
   * A kubeconfig for ServiceAccount `name` in `namespace` (both created when missing), with a
   * token from the TokenRequest API valid for an hour.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Stops `component`, waits `downMs`, starts it again on the same port and data. */
  restart(component: 'apiserver' | 'etcd', downMs?: number): Promise<void>;
  /** Stops both programs and removes the directory. */
  close(): Promise<void>;
}

/** The fixture directories: the prefix, then the pid of the test process that made them. */
const DIR_PREFIX = 'pointsman-real-api-';

/**
 * Removes the directories (etcd's data is about 120 MB) of test processes that died without
 * closing their fixture: a killed process runs no hook, and its servers died with it.
 */
async function removeDirsOfDeadRuns(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const pid = Number(name.slice(DIR_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The range the API server allocates ClusterIPs from (it is never routed anywhere). */
const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';

/**
 * Starts etcd and kube-apiserver, built from their Go modules, on free loopback ports, and
 * resolves once /readyz answers ok (usually 5-15 s; bounded to 120 s).
 */
export async function startRealApiServer(
  options: RealApiServerOptions = {},
): Promise<RealApiServer> {
  const binaries = await kubernetesBinaries();
  await removeDirsOfDeadRuns();
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${String(process.pid)}-`));
  let pki: ApiServerPki;
  try {
    pki = await writeApiServerPki(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // Below the ephemeral range: restart() binds the same ports again. Three distinct ones.
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freeFixedPort());
  const [etcdPort = 0, peerPort = 0, apiPort = 0] = [...ports];
  const etcdUrl = `http://127.0.0.1:${String(etcdPort)}`;
  const url = `https://127.0.0.1:${String(apiPort)}`;

  const etcdJson = (path: string, body: unknown): Promise<ApiReply> =>
    send(httpRequest, `${etcdUrl}${path}`, 'POST', body, {});
  const apiJson = (method: string, path: string, body?: unknown, token?: string) =>
    send(httpsRequest, `${url}${path}`, method, body, {
      ca: pki.caPem,
      authorization: `Bearer ${token ?? pki.adminToken}`,
    });

  const startEtcd = (): Promise<Daemon> =>
    startDaemon(
      binaries.etcd,
      etcdFlags(dir, etcdPort, peerPort),
      join(dir, 'etcd.log'),
      async () =>
        (await send(httpRequest, `${etcdUrl}/health`, 'GET', undefined, {})).status === 200,
      60_000,
    );
  const startApiServer = (): Promise<Daemon> =>
    startDaemon(
      binaries.kubeApiserver,
      apiServerFlags(dir, pki, etcdUrl, apiPort, options),
      join(dir, 'kube-apiserver.log'),
      async () => {
        const reply = await apiJson('GET', '/readyz');
        return reply.status === 200;
      },
      120_000,
    );

  let etcd: Daemon | null = null;
  let apiServer: Daemon | null = null;
  const stopAll = async (): Promise<void> => {
    await apiServer?.stop();
    await etcd?.stop();
  };
  try {
    await mkdir(join(dir, 'etcd'), { mode: 0o700 });
    etcd = await startEtcd();
    apiServer = await startApiServer();
  } catch (error) {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const adminKubeconfig = join(dir, 'admin.kubeconfig');
  await writeKubeconfig(adminKubeconfig, {
    server: url,
    caPem: pki.caPem,
    user: ADMIN_USER,
    token: pki.adminToken,
  });
  await mkdir(join(dir, 'kubectl'));
  const kubectl = new Kubectl(binaries.kubectl, adminKubeconfig, join(dir, 'kubectl'));

  const serviceAccountToken = async (namespace: string, name: string): Promise<string> => {
    const reply = await apiJson(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    const token = (reply.body as { status?: { token?: string } }).status?.token;
    if (reply.status !== 201 || token === undefined) {
      throw new Error(`TokenRequest for ${namespace}/${name}: ${JSON.stringify(reply)}`);
    }
    return token;
  };

  return {
    url,
    etcdUrl,
    caPem: pki.caPem,
    dir,
    binaries,
    adminKubeconfig,
    kubectl,
    request: apiJson,
    etcd: etcdJson,
    serviceAccountToken,
    serviceAccountKubeconfig: async (namespace, name) => {
      await createIfMissing(apiJson, '/api/v1/namespaces', { metadata: { name: namespace } });
      await createIfMissing(apiJson, `/api/v1/namespaces/${namespace}/serviceaccounts`, {
        metadata: { name },
      });
      const token = await serviceAccountToken(namespace, name);
      const path = join(dir, `${namespace}.${name}.kubeconfig`);
      await writeKubeconfig(path, {
        server: url,
        caPem: pki.caPem,
        user: `system:serviceaccount:${namespace}:${name}`,
        token,
        namespace,
      });
      return path;
    },
    restart: async (component, downMs = 0) => {
      if (component === 'etcd') {
        await etcd?.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        etcd = await startEtcd();
      } else {
        await apiServer?.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        apiServer = await startApiServer();
      }
    },
    close: async () => {
      await stopAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function etcdFlags(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${String(clientPort)}`;
  const peer = `http://127.0.0.1:${String(peerPort)}`;
  return [
    '--name=pointsman-test',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=pointsman-test=${peer}`,
    // A test's data need not survive a power cut; fsync would cost seconds per test.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

function apiServerFlags(
  dir: string,
  pki: ApiServerPki,
  etcdUrl: string,
  port: number,
  options: RealApiServerOptions,
): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${String(port)}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--tls-cert-file=${pki.servingCertFile}`,
    `--tls-private-key-file=${pki.servingKeyFile}`,
    `--token-auth-file=${pki.tokenFile}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // No controller manager creates `default` ServiceAccounts, which the admission plugin
    // would require of every Pod; the tests create no Pods.
    '--disable-admission-plugins=ServiceAccount',
    // The `kubernetes` Service's endpoints would be 127.0.0.1, which validation refuses.
    '--endpoint-reconciler-type=none',
    `--watch-cache=${String(options.watchCache ?? true)}`,
    '--profiling=false',
    ...(options.extraFlags ?? []),
  ];
}

type Requester = typeof httpsRequest;

/** One bounded (10 s) request; the answer parsed as JSON when it is JSON. */
function send(
  requester: Requester,
  target: string,
  method: string,
  body: unknown,
  options: { readonly ca?: string; readonly authorization?: string },
): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authorization !== undefined) headers['authorization'] = options.authorization;
    if (payload !== undefined) headers['content-type'] = contentType(method);
    const request = requester(
      target,
      { method, headers, ca: options.ca, timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (/readyz answers "ok"): the text is the body.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`${method} ${target}: no answer in 10 s`)),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function contentType(method: string): string {
  return method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
}

async function createIfMissing(
  api: (method: string, path: string, body?: unknown) => Promise<ApiReply>,
  collection: string,
  object: object,
): Promise<void> {
  const reply = await api('POST', collection, object);
  if (reply.status !== 201 && reply.status !== 409) {
    throw new Error(`POST ${collection}: ${JSON.stringify(reply)}`);
  }
}
