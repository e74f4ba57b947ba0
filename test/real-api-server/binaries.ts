import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BUILD_SCRIPT = join(import.meta.dirname, '..', 'k8s-bins', 'build.sh');

/** The programs of one Kubernetes version, built from their Go modules by test/k8s-bins/build.sh. */
export interface KubernetesBinaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly kubectl: string;
}

/** Whether test/k8s-bins/build.sh finds a Go that can build the programs (1.26 or newer). */
export const CAN_BUILD =
  spawnSync('bash', [BUILD_SCRIPT, '--check'], { stdio: 'ignore' }).status === 0;

/**
 * The `skip` option of suites that need a real API server: skipped without a usable Go on a
 * developer machine, run (and so failing) under CI, which builds the programs before the tests.
 */
export const REAL_API_SKIP: string | false =
  !CAN_BUILD && process.env['CI'] === undefined
    ? 'no Go 1.26 or newer: the real kube-apiserver cannot be built'
    : false;

/**
 * The directory test/k8s-bins/build.sh prints for `module` (`kubernetes` or `helm`), building it
 * first when the cache lacks it: a no-op in a few milliseconds when built, minutes when cold
 * (`.ci/run` and `npm test` build before the tests, so a test only waits on a developer machine).
 */
export function builtModule(module: 'kubernetes' | 'helm'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [BUILD_SCRIPT, module],
      { timeout: 60 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${BUILD_SCRIPT} ${module} failed: ${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** Builds (when needed) and locates kube-apiserver, etcd and kubectl. */
export async function kubernetesBinaries(): Promise<KubernetesBinaries> {
  const dir = await builtModule('kubernetes');
  return {
    kubeApiserver: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubectl: join(dir, 'kubectl'),
  };
}
