import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupCpuLimit, defaultWorkerCount } from './worker-count.ts';

function cpuMax(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pointsman-cpu-max-')), 'cpu.max');
  writeFileSync(file, text);
  return file;
}

test('cpu.max: a quota is CPUs, max or junk is no limit', () => {
  assert.equal(cgroupCpuLimit(cpuMax('150000 100000\n')), 1.5);
  assert.equal(cgroupCpuLimit(cpuMax('max 100000\n')), null);
  assert.equal(cgroupCpuLimit(cpuMax('zero 100000\n')), null);
  assert.equal(cgroupCpuLimit('/nonexistent/cpu.max'), null);
});

test('the default worker count is the usable CPUs, capped by the cgroup limit, rounded up', () => {
  assert.equal(defaultWorkerCount('/nonexistent/cpu.max'), availableParallelism());
  assert.equal(defaultWorkerCount(cpuMax('50000 100000\n')), 1);
  assert.equal(defaultWorkerCount(cpuMax('150000 100000\n')), Math.min(availableParallelism(), 2));
  assert.equal(defaultWorkerCount(cpuMax('1000000 100000\n')), availableParallelism());
});
