import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

/** The kubectl to use: 1.33 when present, else the newest versioned one, else null. */
export const KUBECTL: string | null =
  [33, 32, 31, 30, 29, 28, 27]
    .map((minor) => join(KUBECTL_DIR, `kubectl.1.${String(minor)}`))
    .find((path) => existsSync(path)) ?? null;

/**
 * The `skip` option of suites that need kubectl: skipped without it on a developer machine,
 * run (and so failing) under CI, which must have it.
 */
export const KUBECTL_SKIP: string | false =
  KUBECTL === null && process.env['CI'] === undefined
    ? `no versioned kubectl in ${KUBECTL_DIR}`
    : false;

/** Runs kubectl commands against one kubeconfig, with a cache dir and HOME of its own. */
export class Kubectl {
  readonly #binary: string;
  readonly #kubeconfig: string;
  readonly #dir: string;
  #files = 0;

  constructor(binary: string, kubeconfig: string, dir: string) {
    this.#binary = binary;
    this.#kubeconfig = kubeconfig;
    this.#dir = dir;
  }

  /** Runs `kubectl ARGS...` (bounded to 30 s); fails the test unless it exits 0. */
  run(...args: string[]): Promise<string> {
    const flags = [`--kubeconfig=${this.#kubeconfig}`, `--cache-dir=${join(this.#dir, 'cache')}`];
    const env = { ...process.env, HOME: this.#dir, KUBECONFIG: this.#kubeconfig };
    return new Promise((resolve) => {
      execFile(
        this.#binary,
        [...args, ...flags],
        { timeout: 30_000, env },
        (error, stdout, stderr) => {
          assert.equal(error, null, `kubectl ${args.join(' ')} failed: ${stderr}`);
          resolve(stdout);
        },
      );
    });
  }

  /** Runs `kubectl apply -f` on `yaml` expecting the server to refuse it; resolves with stderr. */
  async refused(yaml: string): Promise<string> {
    const path = join(this.#dir, `manifest-${String(this.#files++)}.yaml`);
    await writeFile(path, yaml);
    const flags = [`--kubeconfig=${this.#kubeconfig}`, `--cache-dir=${join(this.#dir, 'cache')}`];
    const env = { ...process.env, HOME: this.#dir, KUBECONFIG: this.#kubeconfig };
    return new Promise((resolve) => {
      execFile(
        this.#binary,
        ['apply', '-f', path, ...flags],
        { timeout: 30_000, env },
        (error, _stdout, stderr) => {
          assert.notEqual(error, null, `kubectl apply of a refused object succeeded:\n${yaml}`);
          resolve(stderr);
        },
      );
    });
  }

  /** Writes `yaml` to a fresh file and runs `kubectl apply -f` on it. */
  async apply(yaml: string): Promise<string> {
    const path = join(this.#dir, `manifest-${String(this.#files++)}.yaml`);
    await writeFile(path, yaml);
    return this.run('apply', '-f', path);
  }
}
