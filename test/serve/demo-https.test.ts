// The HTTPS line the demo prints works as printed: the self-signed default certificate (-k),
// routed by Host, with HSTS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startServeProcess } from '../helpers/serve-process.ts';

const run = promisify(execFile);

test('the demo serves HTTPS with its default certificate, as its curl line says', async () => {
  const demo = await startServeProcess('demo', ['--pod-port', '0']);
  try {
    const deadline = Date.now() + 10_000;
    while (!demo.stdout().includes('Press Ctrl-C to stop.') && Date.now() < deadline) {
      await sleep(20);
    }
    const line = demo
      .stdout()
      .split('\n')
      .map((text) => text.trim())
      .find((text) => text.startsWith('curl ') && text.includes('https://'));
    assert.ok(line, `no HTTPS curl line:\n${demo.stdout()}`);
    assert.ok(line.includes(`:${String(demo.httpsPort)}/`), line);
    const { stdout } = await run('bash', ['-c', line.replace('curl -sk', 'curl -sk -D -')], {
      timeout: 20_000,
    });
    assert.match(stdout, /^HTTP\/2 200 /, 'curl takes h2 when ALPN offers it');
    assert.match(stdout, /strict-transport-security: max-age=31536000/i);
    assert.match(stdout, /"service": ?"frontend"/);
  } finally {
    await demo.stop('SIGKILL');
  }
});
