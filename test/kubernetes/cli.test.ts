import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/run-cli.ts';
import { startAddressUpstreams } from './address-upstreams.ts';
import { startController } from './controller-process.ts';
import { KUBECTL, KUBECTL_SKIP, Kubectl } from './kubectl.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { startApi } from './support.ts';
import { untilStatus } from './traffic.ts';

describe('pointsman serve: Kubernetes flags', () => {
  test('usage errors name the problem', async () => {
    const none = await runCli(['serve']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--manifests PATH, --kubeconfig PATH or --in-cluster is required/);
    const both = await runCli(['serve', '--kubeconfig', 'k', '--in-cluster']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot be combined/);
    const namespaceOnly = await runCli(['serve', '--manifests', 'x', '--watch-namespace', 'a']);
    assert.equal(namespaceOnly.code, 2);
    assert.match(namespaceOnly.stderr, /--watch-namespace needs --kubeconfig or --in-cluster/);
  });

  test('an unreadable kubeconfig: cannot start', async () => {
    const run = await runCli([
      'serve',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
      '--admin-port',
      '0',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot start/);
  });

  test('help lists the flags', async () => {
    const run = await runCli(['serve', '--help']);
    assert.match(run.stdout, /--kubeconfig PATH/);
    assert.match(run.stdout, /--watch-namespace NS/);
  });

  test('--manifests and --kubeconfig feed one store', { skip: KUBECTL_SKIP }, async () => {
    const api = await startApi();
    const upstreams = await startAddressUpstreams(1);
    const dir = await mkdtemp(join(tmpdir(), 'pointsman-combined-'));
    try {
      // The class, Service and slice come from a file; the Ingress from the cluster.
      const file = join(dir, 'local.yaml');
      await writeFile(
        file,
        [BASE_MANIFESTS, sliceYaml(upstreams.port, upstreams.addresses)].join('---\n'),
      );
      const controller = await startController([
        '--kubeconfig',
        api.kubeconfig,
        '--manifests',
        file,
        '--watch-namespace',
        'default',
      ]);
      try {
        const port = await controller.serving;
        await new Kubectl(KUBECTL ?? '', api.kubeconfig, api.dir).apply(
          ingressYaml('mixed', 'mixed.example.com'),
        );
        await untilStatus(port, 'mixed.example.com', 200);
      } finally {
        await controller.stop();
      }
    } finally {
      await upstreams.close();
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
