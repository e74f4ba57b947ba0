import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** What a client needs to reach the fake. */
export interface Endpoint {
  readonly url: string;
  readonly port: number;
  /** PEM of the server certificate (HTTPS only). */
  readonly certificate: string | undefined;
  /** Bearer token to present, if the server requires one. */
  readonly token: string | undefined;
}

/**
 * Writes a kubeconfig for kubectl and @kubernetes/client-node into `dir` and returns its path.
 * HTTP needs `insecure-skip-tls-verify: true` (client-node refuses plain http otherwise);
 * HTTPS embeds the self-signed certificate as the CA.
 */
export async function writeKubeconfigFile(dir: string, endpoint: Endpoint): Promise<string> {
  const cluster: Record<string, unknown> = { server: endpoint.url };
  if (endpoint.certificate === undefined) cluster['insecure-skip-tls-verify'] = true;
  else cluster['certificate-authority-data'] = Buffer.from(endpoint.certificate).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster }],
    // With no credentials at all kubectl prompts for a username over HTTPS; any token will do
    // unless the server was started with one.
    users: [{ name: 'fake', user: { token: endpoint.token ?? 'fake-token' } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
    'current-context': 'fake',
    preferences: {},
  };
  await mkdir(dir, { recursive: true });
  const file = join(dir, `fake-api-server-${endpoint.port}.kubeconfig`);
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Where in-cluster clients look, relative to a path prefix. */
export const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Writes the service-account files (token, ca.crt, namespace) under
 * `dir/var/run/secrets/kubernetes.io/serviceaccount`, so `KubeConfig.loadFromCluster(dir)`
 * reaches the fake when `KUBERNETES_SERVICE_HOST`/`PORT` are set to the returned values.
 */
export async function writeServiceAccountFiles(
  dir: string,
  endpoint: Endpoint & { readonly certificate: string },
): Promise<Record<string, string>> {
  const target = join(dir, SERVICE_ACCOUNT_DIR);
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'token'), endpoint.token ?? 'fake-token');
  await writeFile(join(target, 'ca.crt'), endpoint.certificate);
  await writeFile(join(target, 'namespace'), 'default');
  return { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(endpoint.port) };
}
