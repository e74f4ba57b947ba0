import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CAN_BUILD, builtModule } from '../real-api-server/index.ts';

/** The chart under test. */
export const CHART = join(import.meta.dirname, '..', '..', 'deploy', 'chart');

/**
 * The `skip` option of suites that run helm: skipped without Go on a developer machine (helm is
 * built from test/k8s-bins/helm by test/k8s-bins/build.sh), run (and so failing) under CI.
 */
export const HELM_SKIP: string | false =
  !CAN_BUILD && process.env['CI'] === undefined
    ? 'no Go toolchain: helm cannot be built from test/k8s-bins/helm'
    : false;

let binary: Promise<string> | undefined;

/** The path of helm, built (or found in the cache) once per process. */
export function helmBinary(): Promise<string> {
  binary ??= builtModule('helm').then((dir) => join(dir, 'helm'));
  return binary;
}

/** How one helm run ended. */
export interface HelmRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// helm's cache, configuration and plugin directories: one of the process's own, never ~/.
const helmHome = mkdtempSync(join(tmpdir(), 'pointsman-helm-'));
const helmEnv = {
  PATH: process.env['PATH'] ?? '',
  HOME: helmHome,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};
process.once('exit', () => {
  rmSync(helmHome, { recursive: true, force: true });
});
let valueFiles = 0;

/** Runs `helm ARGS...` (bounded to 120 s) and reports how it exited; it never throws on a non-zero exit. */
export async function runHelm(args: readonly string[]): Promise<HelmRun> {
  const helm = await helmBinary();
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      args,
      { timeout: 120_000, maxBuffer: 32 * 1024 * 1024, env: helmEnv },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`helm ${args.join(' ')} did not finish: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Writes `values` to a fresh file (JSON is YAML) and returns its path, for `--values`. */
export function valuesFile(values: unknown): string {
  const path = join(helmHome, `values-${String(valueFiles++)}.json`);
  writeFileSync(path, JSON.stringify(values));
  return path;
}

/** A Kubernetes object as YAML parses it: the tests read what they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** Parses multi-document YAML into its objects, leaving out empty documents. */
export function parseObjects(yaml: string): Loose[] {
  return parseAllDocuments(yaml)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.join('; '));
      // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- Loose is any on purpose
      return document.toJS();
    })
    .filter((object) => object !== null);
}

/** What `helm template` rendered, and how it ended. */
export interface Rendered extends HelmRun {
  readonly objects: Loose[];
}

/**
 * `helm template RELEASE deploy/chart --namespace NAMESPACE` with `values` (none: the chart's
 * defaults). The objects are empty when helm failed: the test looks at `code` and `stderr`.
 */
export async function renderChart(
  values: unknown = {},
  options: { release?: string; namespace?: string } = {},
): Promise<Rendered> {
  const run = await runHelm([
    'template',
    options.release ?? 'pointsman',
    CHART,
    '--namespace',
    options.namespace ?? 'pointsman',
    '--values',
    valuesFile(values),
  ]);
  return { ...run, objects: run.code === 0 ? parseObjects(run.stdout) : [] };
}
