// Graceful shutdown of `pointsman serve`: on SIGTERM readiness goes false, the listener closes,
// the request in flight finishes, and the process exits 0.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateUpstream } from '../helpers/gate-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess } from '../helpers/serve-process.ts';

test('SIGTERM drains: the slow request in flight completes, then exit 0', async () => {
  const slow = await startGateUpstream();
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('app', null, { '/': 'slow' }),
    ...serviceWithEndpoints('slow', [slow.port]),
  ]);
  const serve = await startServeProcess('serve', ['--manifests', dir, '--shutdown-grace', '10s']);
  try {
    const base = `http://127.0.0.1:${String(serve.httpPort)}`;
    const admin = `http://127.0.0.1:${String(serve.adminPort)}`;
    assert.equal((await fetch(`${admin}/readyz`)).status, 200);
    const inFlight = fetch(`${base}/slow-report`).then(async (response) => ({
      status: response.status,
      body: await response.text(),
    }));
    await slow.arrived(1);
    const exited = serve.stop('SIGTERM');

    // Readiness turns false while the request is still held. The admin server closes only after
    // the proxy has drained (src/cli/serve-runtime.ts), so it still answers: 503, not silence.
    let readyz = 200;
    const deadline = Date.now() + 5_000;
    while (readyz === 200 && Date.now() < deadline) {
      readyz = await fetch(`${admin}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (readyz === 200) await sleep(20);
    }
    assert.equal(readyz, 503, `readyz answered ${String(readyz)} after SIGTERM (0: unreachable)`);
    // New connections are refused once the listener is closed.
    const refused = await fetch(`${base}/new`).then(
      () => false,
      () => true,
    );
    assert.ok(refused, 'a new request was accepted after SIGTERM');

    assert.equal(slow.waiting, 1, 'the request in flight was cut');
    slow.open('finished after SIGTERM');
    assert.deepEqual(await inFlight, { status: 200, body: 'finished after SIGTERM' });
    assert.equal(await exited, 0);
    assert.ok(serve.logs.some((entry) => entry['msg'] === 'stopped'));
  } finally {
    await serve.stop('SIGKILL');
    await slow.close();
  }
});
