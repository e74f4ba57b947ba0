import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  clockTicksPerSecond,
  processTree,
  pssKiB,
  rssKiB,
  sampleMaxRss,
  treeCpuTicks,
} from './proc-stats.ts';

// Spins until this process or thread has used `ms` of user CPU time: CPU, not wall-clock time,
// so a busy machine makes it slower, not smaller.
const spin = (ms: number): string =>
  `const start = process.cpuUsage().user; while (process.cpuUsage().user - start < ${String(ms * 1000)}) {}`;

const ticks = (ms: number): number => (ms / 1000) * clockTicksPerSecond();

test('the tree CPU time counts worker threads of the process', async () => {
  const before = treeCpuTicks(process.pid);
  // process.cpuUsage() in a worker thread is the whole process's: spin on the thread's own.
  const worker = new Worker(
    `const { threadCpuUsage } = process; const start = threadCpuUsage().user;
     while (threadCpuUsage().user - start < 300000) {}`,
    { eval: true },
  );
  await once(worker, 'exit');
  assert.ok(treeCpuTicks(process.pid) - before >= ticks(250));
});

test('the tree CPU time counts child processes, live and after they are reaped', async () => {
  const before = treeCpuTicks(process.pid);
  const child = spawn(process.execPath, ['-e', `${spin(300)}; setTimeout(() => {}, 5000)`], {
    stdio: 'ignore',
  });
  const pid = child.pid ?? 0;
  // Poll (bounded) until the child has spent its CPU, while it is still alive.
  const deadline = Date.now() + 10_000;
  while (treeCpuTicks(pid) < ticks(250) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(processTree(process.pid).includes(pid));
  const live = treeCpuTicks(process.pid) - before;
  child.kill('SIGKILL');
  await once(child, 'exit');
  const reaped = treeCpuTicks(process.pid) - before;
  assert.ok(!processTree(process.pid).includes(pid));
  assert.ok(live >= ticks(250), `live ${String(live)}`);
  assert.ok(reaped >= live, `reaped ${String(reaped)}, live ${String(live)}`);
});

test('the RSS peak holds the largest sum and the largest single process; PSS is at most RSS', async () => {
  // A child that grows to ~64 MiB of touched memory and stays there. It says when the buffer is
  // filled: its RSS passes 64 MiB earlier (Node's own pages count too), and on a busy machine the
  // PSS read right then found part of the buffer not yet touched.
  const child = spawn(
    process.execPath,
    [
      '-e',
      'globalThis.keep = Buffer.alloc(64 * 1024 * 1024, 1); process.stdout.write("filled"); setTimeout(() => {}, 10000)',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const pid = child.pid ?? 0;
  try {
    await once(child.stdout, 'data', { signal: AbortSignal.timeout(10_000) });
    const sampler = sampleMaxRss([process.pid, pid], 20);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const peak = sampler.stop();
    assert.ok(peak.largestKiB >= 64 * 1024, `largest ${String(peak.largestKiB)} KiB`);
    assert.ok(peak.sumKiB >= peak.largestKiB + rssKiB(process.pid) / 2);
    const pss = pssKiB(pid);
    assert.ok(pss > 60 * 1024 && pss <= rssKiB(pid), `PSS ${String(pss)} KiB`);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  assert.equal(pssKiB(pid), 0);
});
