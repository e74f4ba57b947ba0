import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** Who a kubeconfig speaks as, and to which server. */
export interface KubeconfigUser {
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly token: string;
  /** The context's default namespace. */
  readonly namespace?: string;
}

/** Writes a kubeconfig with one cluster, one token user and one context, current. */
export async function writeKubeconfig(path: string, config: KubeconfigUser): Promise<void> {
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'real',
        cluster: {
          server: config.server,
          'certificate-authority-data': Buffer.from(config.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: config.user, user: { token: config.token } }],
    contexts: [
      {
        name: config.user,
        context: {
          cluster: 'real',
          user: config.user,
          ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
        },
      },
    ],
    'current-context': config.user,
  };
  await writeFile(path, stringify(document), { mode: 0o600 });
}
