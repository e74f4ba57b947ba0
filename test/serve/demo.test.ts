// `pointsman demo` (what `npm start` runs): start it, run the curl lines it prints with the real
// curl, check that each shows what its comment says, stop it with Ctrl-C (SIGINT).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startServeProcess } from '../helpers/serve-process.ts';

const run = promisify(execFile);

async function shell(line: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', line], { timeout: 20_000 });
  return stdout;
}

test('the demo serves the examples and its printed curl lines show what they say', async () => {
  const demo = await startServeProcess('demo', ['--pod-port', '0']);
  try {
    // The banner follows the "serving" log line; wait for its last line (bounded).
    const deadline = Date.now() + 10_000;
    while (!demo.stdout().includes('Press Ctrl-C to stop.') && Date.now() < deadline) {
      await sleep(20);
    }
    const lines = demo
      .stdout()
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('curl ') || line.startsWith('for '));
    const find = (fragment: string): string => {
      const line = lines.find((candidate) => candidate.includes(fragment));
      assert.ok(line, `no printed line contains ${fragment}:\n${demo.stdout()}`);
      return line;
    };
    const served = async (fragment: string): Promise<{ service: string; pod: string }> =>
      JSON.parse(await shell(find(fragment))) as { service: string; pod: string };

    assert.equal((await served("'Host: shop.example.com' http")).service, 'frontend');
    assert.equal((await served("'Host: api.example.com'")).service, 'api');
    assert.equal((await served('/api/users')).service, 'api');
    assert.equal((await served('/admin/settings')).service, 'admin');

    const pods = (await shell(find('for i in'))).match(/frontend-[a-z0-9-]+/g) ?? [];
    assert.equal(pods.length, 4, 'the load-balancing line printed four pods');
    assert.equal(new Set(pods).size, 2, 'both frontend pods answered');

    const notFound = await shell(find('unknown.example.com'));
    assert.match(notFound, /^HTTP\/1\.1 404 /);
    assert.match(notFound, /x-pointsman-error: PM_ERR_NO_ROUTE/i);

    const routes = JSON.parse(await shell(find('/debug/routes'))) as { hosts: unknown[] };
    assert.equal(routes.hosts.length, 3);

    // The banner says where the status page is: the status listener, on loopback.
    const statusPage = /Status page .*: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(demo.stdout())?.[1];
    assert.equal(statusPage, `http://127.0.0.1:${String(demo.statusPort)}/`, demo.stdout());
    const page = await fetch(statusPage);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);

    assert.equal(await demo.stop('SIGINT'), 0);
  } finally {
    await demo.stop('SIGKILL');
  }
});
