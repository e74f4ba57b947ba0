// `serve --workers 2`: two worker processes share the listening port and are fed by the control
// plane. Every worker serves each table, the metrics and the access log cover both, a manifest
// edit is live on both when the log says so, and a worker killed under load is started again
// while the other keeps serving: only the dead worker's own connections may fail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { parsePrometheus, sampleValue, samplesNamed } from '../helpers/prometheus-text.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';

/**
 * How long after a SIGKILL new connections may still reach the dead worker's listening socket:
 * the exiting process closes its sockets only after unmapping its memory (~10-20 ms measured
 * here), with room for a slow CI machine.
 */
const TEARDOWN_WINDOW_MS = 500;

/** One GET on a new connection; resolves with the status, or the error's code. */
function getFresh(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
        response.on('error', (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? 'error');
        });
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? error.message);
    });
    req.end();
  });
}

async function metrics(serve: ServeProcess): Promise<ReturnType<typeof parsePrometheus>> {
  const response = await fetch(`http://127.0.0.1:${String(serve.adminPort)}/metrics`);
  return parsePrometheus(await response.text());
}

/** The pids of the workers that logged they listen, in order (a replacement adds one). */
function workerPids(serve: ServeProcess): number[] {
  return serve.logs
    .filter((entry) => entry['msg'] === 'worker listening')
    .map((entry) => Number(entry['pid']));
}

test('serve --workers 2: both workers serve, one metrics view, whole access log lines, edits live on both', async () => {
  const upstream = await startEchoUpstream('web');
  const other = await startEchoUpstream('other');
  const dir = await manifestDir();
  const file = join(dir, 'app.yaml');
  const base = [INGRESS_CLASS, ...serviceWithEndpoints('web', [upstream.port])];
  await writeManifests(file, [...base, ingress('app', null, { '/': 'web' })]);
  const serve = await startServeProcess('serve', ['--manifests', dir, '--workers', '2']);
  try {
    assert.equal(new Set(workerPids(serve)).size, 2, 'two workers listen');
    // The start says whether a killed worker's queued connections would be reset.
    const migrates = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1';
    assert.equal(
      serve.logs.some((entry) => entry['msg']?.toString().includes('tcp_migrate_req=1') === true),
      !migrates,
    );
    for (const pid of workerPids(serve)) {
      const argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--max-semi-space-size=8'), `worker flags: ${argv.join(' ')}`);
    }
    assert.equal((await fetch(`http://127.0.0.1:${String(serve.adminPort)}/readyz`)).status, 200);
    const REQUESTS = 60;
    const statuses = await Promise.all(
      Array.from({ length: REQUESTS }, () => getFresh(serve.httpPort, '/')),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    const samples = await metrics(serve);
    const served = samplesNamed(samples, 'pointsman_requests_total')
      .filter((sample) => sample.labels['status_class'] === '2xx')
      .reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(served, REQUESTS, 'the requests of both workers are summed');
    assert.equal(sampleValue(samples, 'pointsman_workers', {}), 2);
    assert.ok(
      (sampleValue(samples, 'pointsman_table_apply_seconds_count', {}) ?? 0) >= 2,
      'each worker applied the table',
    );
    // Both workers took connections: with 60 fresh connections the kernel's spread puts some
    // on each (a worker that got none would show 0 in its own open-connection series).
    await until(
      () =>
        serve
          .stdout()
          .split('\n')
          .filter((l) => l !== '').length >= REQUESTS,
    );
    const lines = serve
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(entry['component'], 'access');
    }
    assert.equal(lines.length, REQUESTS, 'one whole line per request');

    // An edit: once the log says the table is live, every fresh connection (either worker)
    // routes by it.
    const liveBefore = serve.logs.filter((entry) => entry['msg'] === 'route table live').length;
    await writeManifests(file, [
      ...base,
      ...serviceWithEndpoints('other', [other.port]),
      ingress('app', null, { '/': 'web', '/other': 'other' }),
    ]);
    await until(
      () => serve.logs.filter((entry) => entry['msg'] === 'route table live').length > liveBefore,
    );
    const after = await Promise.all(
      Array.from({ length: 40 }, () => getFresh(serve.httpPort, '/other/x')),
    );
    assert.deepEqual(new Set(after), new Set([200]));
    assert.equal(other.requests, 40);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
    await other.close();
  }
});

test('serve --workers 2: a killed worker is started again, the other serves meanwhile', async () => {
  const upstream = await startEchoUpstream('web');
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ...serviceWithEndpoints('web', [upstream.port]),
    ingress('app', null, { '/': 'web' }),
  ]);
  const serve = await startServeProcess('serve', ['--manifests', dir, '--workers', '2']);
  try {
    const [victim] = workerPids(serve);
    assert.ok(victim !== undefined);
    // One request at a time, each on a new connection, for the whole time. The requests that may
    // fail are the dead worker's own: the one in flight when it dies, and new connections the
    // kernel queued on its listening socket until the exiting process closed it (SO_REUSEPORT
    // keeps a dying socket in the group for the ~10-20 ms of its teardown, unless the sysctl
    // net.ipv4.tcp_migrate_req moves them on; docs/workers.md). Every request started after that
    // window, through the restart and after it, must succeed.
    const results: { status: number | string; startedAt: number }[] = [];
    const load = { running: true };
    const loop = (async () => {
      const deadline = performance.now() + 20_000;
      while (load.running && performance.now() < deadline) {
        const startedAt = performance.now();
        results.push({ status: await getFresh(serve.httpPort, '/'), startedAt });
      }
    })();
    await until(() => results.length >= 20);
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    await until(() => workerPids(serve).length >= 3, 10_000);
    // 40 requests after the window and after the restart (which may come before the window ends).
    const teardownEnd = killedAt + TEARDOWN_WINDOW_MS;
    const restartedAt = results.length;
    await until(
      () =>
        results.length >= restartedAt + 40 &&
        results.filter((result) => result.startedAt >= teardownEnd).length >= 40,
      10_000,
    );
    load.running = false;
    await loop;
    const failures = results.filter((result) => result.status !== 200);
    assert.ok(
      failures.every(
        (failure) => failure.startedAt < teardownEnd && failure.status === 'ECONNRESET',
      ),
      `failures (ms after the kill): ${JSON.stringify(failures.map((f) => [f.status, f.startedAt - killedAt]))}`,
    );
    assert.ok(results.filter((result) => result.startedAt >= teardownEnd).length >= 40);
    assert.ok(
      serve.logs.some(
        (entry) => entry['msg'] === 'worker died; starting it again' && entry['pid'] === victim,
      ),
    );
    const samples = await metrics(serve);
    assert.equal(sampleValue(samples, 'pointsman_worker_restarts_total', {}), 1);
    assert.equal(sampleValue(samples, 'pointsman_workers', {}), 2);
    assert.equal((await fetch(`http://127.0.0.1:${String(serve.adminPort)}/readyz`)).status, 200);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});
