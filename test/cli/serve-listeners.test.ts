// `serve` splits the admin views over two listeners: the probe listener (--admin-port, reachable
// by the kubelet and Prometheus) serves only /healthz, /readyz and /metrics; the status listener
// (--status-port) serves the status page, /debug/* and /api/*, on loopback unless told otherwise.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startServeProcess } from '../helpers/serve-process.ts';

async function manifests(): Promise<string> {
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('app', 'app.example.com', { '/': 'web' }),
    ...serviceWithEndpoints('web', []),
  ]);
  return dir;
}

test('serve: probes and metrics on the admin port, the status views on 127.0.0.1 only', async () => {
  const dir = await manifests();
  // No --status-bind: the default is what is checked. The probe listener gets another loopback
  // address (all of 127.0.0.0/8 is loopback on Linux), so that the two cannot be mistaken.
  const serve = await startServeProcess('serve', [
    '--manifests',
    dir,
    '--bind',
    '127.0.0.1',
    '--admin-bind',
    '127.0.0.2',
  ]);
  try {
    const serving = serve.logs.find((entry) => entry['msg'] === 'pointsman is serving');
    assert.deepEqual(
      { ...(serving?.['statusPage'] as object) },
      { address: '127.0.0.1', family: 'IPv4', port: serve.statusPort },
    );
    const listening = serve.logs.find((entry) => entry['msg'] === 'status page listening');
    assert.equal(listening?.['address'], '127.0.0.1');

    const probes = `http://127.0.0.2:${String(serve.adminPort)}`;
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await fetch(`${probes}${path}`)).status, 200, path);
    }
    for (const path of ['/', '/debug/routes', '/debug/results', '/api/summary']) {
      const response = await fetch(`${probes}${path}`);
      assert.equal(response.status, 404, path);
      const body = await response.text();
      assert.ok(body.includes(`http://127.0.0.1:${String(serve.statusPort)}/`), body);
    }

    const status = `http://127.0.0.1:${String(serve.statusPort)}`;
    const page = await fetch(`${status}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const routes = (await (await fetch(`${status}/debug/routes`)).json()) as { hosts: unknown[] };
    assert.equal(routes.hosts.length, 1);
    for (const path of ['/debug/results', '/api/summary', '/api/routes']) {
      assert.equal((await fetch(`${status}${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${status}/metrics`)).status, 404);
    assert.equal(await serve.stop(), 0);
  } finally {
    await serve.stop('SIGKILL');
  }
});

test('a non-loopback --status-bind without --status-bind-any is a usage error', async () => {
  const dir = await manifests();
  for (const command of ['serve', 'demo']) {
    const run = await runCli([command, '--manifests', dir, '--status-bind', '0.0.0.0']);
    assert.equal(run.code, 2, `${command}: ${run.stderr}`);
    assert.match(run.stderr, /--status-bind "0\.0\.0\.0" is not a loopback address/);
    assert.match(run.stderr, /--status-bind-any/);
  }
});

test('serve --help names both listeners and the new flags', async () => {
  const run = await runCli(['serve', '--help']);
  for (const flag of ['--status-port PORT', '--status-bind ADDR', '--status-bind-any']) {
    assert.ok(run.stdout.includes(flag), flag);
  }
  assert.match(run.stdout, /kubectl -n NS port-forward deploy\/pointsman 10255/);
});
