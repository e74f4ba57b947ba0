import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectStatusClient,
  type ClientNodeStatusClientOptions,
  type StatusClient,
} from '../../src/status/index.ts';
import { startFakeApiServer, type FakeApiServer } from '../fake-api-server/index.ts';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

/** The versioned kubectl binary for `minor`, or null when it is not installed. */
export function kubectlBinary(minor: number): string | null {
  const path = join(KUBECTL_DIR, `kubectl.1.${String(minor)}`);
  return existsSync(path) ? path : null;
}

/** A fake API server, a kubeconfig for it, and a temporary directory; `close()` removes all. */
export interface ApiFixture {
  readonly server: FakeApiServer;
  readonly dir: string;
  readonly kubeconfig: string;
  /** A new client-node StatusClient for the fake. */
  client(options?: ClientNodeStatusClientOptions): Promise<StatusClient>;
  /** Runs kubectl (1.33 unless `minor` says otherwise) against the fake; fails unless it exits 0. */
  kubectl(args: readonly string[], minor?: number): Promise<string>;
  close(): Promise<void>;
}

/** Starts a fake API server reporting Kubernetes 1.`minorVersion` (default 33). */
export async function startApi(minorVersion = 33): Promise<ApiFixture> {
  const server = await startFakeApiServer({ minorVersion });
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-status-'));
  const kubeconfig = await server.writeKubeconfig(dir);
  return {
    server,
    dir,
    kubeconfig,
    client: (options = {}) =>
      connectStatusClient({ mode: 'kubeconfig', path: kubeconfig }, options),
    kubectl: (args, minor = minorVersion) => {
      const binary = kubectlBinary(minor);
      assert.ok(binary, `kubectl 1.${String(minor)} is installed`);
      const flags = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`];
      const env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
      return new Promise((resolve) => {
        execFile(binary, [...args, ...flags], { timeout: 30_000, env }, (error, stdout, stderr) => {
          assert.equal(error, null, `kubectl ${args.join(' ')} failed: ${stderr}`);
          resolve(stdout);
        });
      });
    },
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { until } from '../helpers/until.ts';
