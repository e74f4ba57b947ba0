import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupCpuLimit, cgroupMemoryLimit, defaultWorkerCount } from './worker-count.ts';

function cgroupFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pointsman-cgroup-')), name);
  writeFileSync(file, text);
  return file;
}
const cpuMax = (text: string): string => cgroupFile('cpu.max', text);
const memoryMax = (text: string): string => cgroupFile('memory.max', text);
const MiB = 2 ** 20;

test('cpu.max: a quota is CPUs, max or junk is no limit', () => {
  assert.equal(cgroupCpuLimit(cpuMax('150000 100000\n')), 1.5);
  assert.equal(cgroupCpuLimit(cpuMax('max 100000\n')), null);
  assert.equal(cgroupCpuLimit(cpuMax('zero 100000\n')), null);
  assert.equal(cgroupCpuLimit('/nonexistent/cpu.max'), null);
});

test('the default worker count is the usable CPUs, capped by the cgroup limit, rounded up', () => {
  assert.equal(
    defaultWorkerCount('/nonexistent/cpu.max', '/nonexistent/memory.max'),
    availableParallelism(),
  );
  const noMemoryLimit = '/nonexistent/memory.max';
  assert.equal(defaultWorkerCount(cpuMax('50000 100000\n'), noMemoryLimit), 1);
  assert.equal(
    defaultWorkerCount(cpuMax('150000 100000\n'), noMemoryLimit),
    Math.min(availableParallelism(), 2),
  );
  assert.equal(
    defaultWorkerCount(cpuMax('1000000 100000\n'), noMemoryLimit),
    availableParallelism(),
  );
});

test('memory.max: bytes, or max or junk for no limit', () => {
  assert.equal(cgroupMemoryLimit(memoryMax(`${String(512 * MiB)}\n`)), 512 * MiB);
  assert.equal(cgroupMemoryLimit(memoryMax('max\n')), null);
  assert.equal(cgroupMemoryLimit(memoryMax('-1\n')), null);
  assert.equal(cgroupMemoryLimit(memoryMax('1e9\n')), null);
  assert.equal(cgroupMemoryLimit('/nonexistent/memory.max'), null);
});

test('a memory limit caps the workers: 256 MiB for the control plane, 160 per worker', () => {
  const noCpuLimit = '/nonexistent/cpu.max';
  const cpus = availableParallelism();
  assert.equal(defaultWorkerCount(noCpuLimit, memoryMax(String(512 * MiB))), 1);
  assert.equal(defaultWorkerCount(noCpuLimit, memoryMax(String(1024 * MiB))), Math.min(cpus, 4));
  assert.equal(defaultWorkerCount(noCpuLimit, memoryMax(String(128 * MiB))), 1);
  assert.equal(defaultWorkerCount(noCpuLimit, memoryMax('max')), cpus);
  // Both limits: the smaller count.
  assert.equal(defaultWorkerCount(cpuMax('50000 100000'), memoryMax(String(8192 * MiB))), 1);
});

test('off Linux the default is one process (no SO_REUSEPORT spreading, no abstract sockets)', () => {
  assert.equal(defaultWorkerCount('/nonexistent/cpu.max', '/nonexistent/memory.max', 'darwin'), 1);
});
