import { existsSync } from 'node:fs';
import type { ParseArgsOptionsConfig } from 'node:util';
import { kubernetesModeFrom, type KubernetesMode } from '../sources/kubernetes/index.ts';
import { UsageError } from './io.ts';

/** Flags of `serve` that pick the Kubernetes source. */
export const KUBERNETES_FLAGS = {
  kubeconfig: { type: 'string' },
  'in-cluster': { type: 'boolean' },
  'watch-namespace': { type: 'string', multiple: true },
} as const satisfies ParseArgsOptionsConfig;

/** Help text of {@link KUBERNETES_FLAGS}. */
export const KUBERNETES_FLAGS_HELP = `
      --kubeconfig PATH           watch a cluster through this kubeconfig (its current context)
      --in-cluster                watch the cluster this Pod runs in (its service account); the
                                  default in a Pod when neither --manifests nor --kubeconfig is given
      --watch-namespace NS        watch Ingresses, Services, EndpointSlices, Secrets and
                                  ConfigMaps only in NS (repeatable, or a comma-separated
                                  list; default: all)`;

/**
 * The Kubernetes source the flags ask for (null: none), or a usage error. In a Pod
 * (`KUBERNETES_SERVICE_HOST` set and the service-account token present) with neither
 * `--manifests` nor `--kubeconfig`, it is in-cluster.
 */
export function kubernetesModeOf(
  values: {
    readonly kubeconfig?: string | undefined;
    readonly 'in-cluster'?: boolean | undefined;
    readonly 'watch-namespace'?: readonly string[] | undefined;
    readonly manifests?: readonly string[] | undefined;
  },
  env: Readonly<Record<string, string | undefined>> = process.env,
  exists: (path: string) => boolean = existsSync,
): KubernetesMode | null {
  const outcome = kubernetesModeFrom({
    kubeconfig: values.kubeconfig,
    inCluster: values['in-cluster'],
    watchNamespaces: values['watch-namespace'],
    manifests: (values.manifests ?? []).length > 0,
    env,
    exists,
  });
  if ('problem' in outcome) throw new UsageError(outcome.problem);
  return outcome.mode;
}
