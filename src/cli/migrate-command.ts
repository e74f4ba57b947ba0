import type { ObjectResult } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { snapshotOf } from '../objects/index.ts';
import { loadManifests } from '../sources/files/index.ts';
import {
  connectKubeApi,
  listObjectsOnce,
  type KubeApi,
  type KubernetesMode,
} from '../sources/kubernetes/index.ts';
import { translate, type TranslateOptions } from '../translate/index.ts';
import { INPUT_FLAGS, outputFormat, parseFlags, translateOptionsFrom } from './flags.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { KUBERNETES_FLAGS, kubernetesModeOf } from './kubernetes-flags.ts';
import { renderMigrationJson, renderMigrationText } from './migrate-render.ts';
import { migrationReport } from './migrate-verdicts.ts';

/** The class and controller of a default ingress-nginx installation, which migrate reads. */
export const INGRESS_NGINX_DEFAULTS = {
  ingressClass: 'nginx',
  controllerName: 'k8s.io/ingress-nginx',
} as const;

/** Help for `pointsman migrate`. */
export const MIGRATE_HELP = `Usage: pointsman migrate --kubeconfig PATH | --in-cluster [options]
       pointsman migrate --manifests PATH... [options]

Reads the Ingresses an ingress-nginx installation serves (its IngressClass, or the legacy
kubernetes.io/ingress.class annotation naming it), translates them as pointsman would serve
them, and prints one verdict per Ingress, then a summary:
  served identically        accepted, with no problem
  served with differences   accepted; each difference named (unsupported, unknown or ignored
                            annotations, regex paths RE2 refuses, conflicts, backends)
  not served                rejected, or failing closed on access control pointsman does
                            not enforce (a canary is served: it takes its share of the main
                            Ingress's route)
It only lists objects: nothing in the cluster is changed.

  -f, --manifests PATH            YAML/JSON file or directory (recursive); repeatable, e.g. the
                                  output of kubectl get ingress,ingressclass,service,
                                  endpointslice -A -o yaml
      --kubeconfig PATH           read the cluster of this kubeconfig (its current context)
      --in-cluster                read the cluster this Pod runs in (its service account); the
                                  default in a Pod when neither --manifests nor --kubeconfig is given
      --watch-namespace NS        read Ingresses, Services, EndpointSlices and Secrets only in NS
                                  (repeatable, or a comma-separated list; default: all)
      --ingress-class NAME        ingress-nginx's class (default: ${INGRESS_NGINX_DEFAULTS.ingressClass})
      --controller-name NAME      spec.controller of its IngressClasses
                                  (default: ${INGRESS_NGINX_DEFAULTS.controllerName})
      --watch-ingress-without-class
                                  also judge Ingresses that name no class (as ingress-nginx's
                                  flag of that name)
      --annotations-prefix PREFIX ingress-nginx's --annotations-prefix, when it is not
                                  nginx.ingress.kubernetes.io
  -o, --output text|json          json prints {ingressClass, controllerName, ingresses, summary}
  -h, --help                      show this help

Exit status: 0 the report was printed (whatever the verdicts), 1 the input could not be read
whole (printed on stderr), 2 usage error.
`;

/** `pointsman migrate`. */
export async function migrateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { ...INPUT_FLAGS, ...KUBERNETES_FLAGS, output: { type: 'string', short: 'o' } },
    false,
  );
  if (values.help) {
    io.out(MIGRATE_HELP);
    return EXIT.ok;
  }
  const format = outputFormat(values.output);
  const options = translateOptionsFrom({
    ...values,
    'ingress-class': values['ingress-class'] ?? INGRESS_NGINX_DEFAULTS.ingressClass,
    'controller-name': values['controller-name'] ?? INGRESS_NGINX_DEFAULTS.controllerName,
  });
  const manifests = values.manifests ?? [];
  const cluster = kubernetesModeOf(values);
  if (cluster !== null && manifests.length > 0) {
    // One installation at a time: a file's objects over a cluster's would judge neither.
    throw new UsageError('--manifests cannot be combined with --kubeconfig or --in-cluster');
  }
  if (cluster === null && manifests.length === 0) {
    throw new UsageError('--manifests PATH, --kubeconfig PATH or --in-cluster is required');
  }
  const input = cluster ? await readCluster(cluster) : await readFiles(manifests);
  if (input.objects === null) {
    io.err(input.errors.map((line) => `error: ${line}\n`).join(''));
    return EXIT.inputErrors;
  }
  const report = migrationReport(judged(input.objects, options));
  const scope = { ingressClass: options.ingressClass, controllerName: options.controllerName };
  io.out(
    format === 'json' ? renderMigrationJson(report, scope) : renderMigrationText(report, scope),
  );
  io.err(input.errors.map((line) => `error: ${line}\n`).join(''));
  return input.errors.length > 0 ? EXIT.inputErrors : EXIT.ok;
}

/** Objects read, or null when nothing can be judged; `errors` is what went wrong, for stderr. */
interface ReadInput {
  readonly objects: readonly StoredObject[] | null;
  readonly errors: readonly string[];
}

function judged(
  objects: readonly StoredObject[],
  options: TranslateOptions,
): readonly ObjectResult[] {
  // Certificates are checked against the time of the run, as a controller started now would.
  return translate(snapshotOf(objects), { ...options, now: Date.now() }).results;
}

/**
 * Manifests: like `routes`, a document that does not load is an error, and the others are
 * still judged.
 */
async function readFiles(paths: readonly string[]): Promise<ReadInput> {
  const load = await loadManifests(paths);
  const errors = load.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) =>
      d.document === null
        ? `${d.file}: ${d.message}`
        : `${d.file} (document ${String(d.document + 1)}): ${d.message}`,
    );
  return { objects: load.objects, errors };
}

/**
 * A cluster, listed once. A kind that cannot be listed leaves no report at all: without, say,
 * its Services every Ingress would look broken, and a verdict built on that would mislead.
 */
async function readCluster(mode: KubernetesMode): Promise<ReadInput> {
  let api: KubeApi;
  try {
    api = await connectKubeApi(mode.connection);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { objects: null, errors: [`cannot connect to the cluster: ${message}`] };
  }
  const listed = await listObjectsOnce(api, { namespaces: mode.namespaces });
  return listed.errors.length > 0
    ? { objects: null, errors: listed.errors }
    : { objects: listed.objects, errors: [] };
}
