import type { KubeConnection } from './client-node-adapter.ts';

/** Where a Pod's service-account token lives; its presence means "running in a Pod". */
export const IN_CLUSTER_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The Kubernetes source to run: how to connect, and which namespaces (empty: all). */
export interface KubernetesMode {
  readonly connection: KubeConnection;
  readonly namespaces: readonly string[];
}

/** What decides the Kubernetes mode: the command line, the environment, the file system. */
export interface KubernetesModeInputs {
  readonly kubeconfig?: string | undefined;
  readonly inCluster?: boolean | undefined;
  /** `--watch-namespace` values, each one name or a comma-separated list. */
  readonly watchNamespaces?: readonly string[] | undefined;
  /** Whether `--manifests` was given. */
  readonly manifests: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists: (path: string) => boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Decides whether to watch a cluster: `--kubeconfig PATH`, `--in-cluster`, or, with neither
 * and no `--manifests`, in-cluster when running in a Pod (`KUBERNETES_SERVICE_HOST` set and
 * the service-account token present). Returns the mode, null for none, or a usage problem.
 */
export function kubernetesModeFrom(
  inputs: KubernetesModeInputs,
): { readonly mode: KubernetesMode | null } | { readonly problem: string } {
  const namespaces = [
    ...new Set(
      (inputs.watchNamespaces ?? [])
        .flatMap((value) => value.split(','))
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  ];
  const bad = namespaces.find((name) => !DNS_LABEL.test(name));
  if (bad !== undefined) return { problem: `--watch-namespace: "${bad}" is not a namespace name` };
  if (inputs.kubeconfig !== undefined && inputs.inCluster === true) {
    return { problem: '--kubeconfig and --in-cluster cannot be combined' };
  }
  if (inputs.kubeconfig !== undefined) {
    if (inputs.kubeconfig === '') return { problem: '--kubeconfig needs a path' };
    return { mode: { connection: { mode: 'kubeconfig', path: inputs.kubeconfig }, namespaces } };
  }
  const inPod =
    !inputs.manifests &&
    (inputs.env['KUBERNETES_SERVICE_HOST'] ?? '') !== '' &&
    inputs.exists(IN_CLUSTER_TOKEN_PATH);
  if (inputs.inCluster === true || inPod) {
    return { mode: { connection: { mode: 'in-cluster' }, namespaces } };
  }
  if (namespaces.length > 0) {
    return { problem: '--watch-namespace needs --kubeconfig or --in-cluster' };
  }
  return { mode: null };
}
