import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The default number of workers: the CPUs this process may use (`os.availableParallelism()`,
 * which follows the CPU affinity mask), capped by the cgroup v2 CPU limit when there is one (a
 * Pod's `resources.limits.cpu` becomes `cpu.max`; Node does not read it). A limit of 1.5 CPUs
 * gives 2 workers: a worker that can run half the time still serves.
 */
export function defaultWorkerCount(cpuMaxPath = '/sys/fs/cgroup/cpu.max'): number {
  const cpus = availableParallelism();
  const limit = cgroupCpuLimit(cpuMaxPath);
  return Math.max(1, limit === null ? cpus : Math.min(cpus, Math.ceil(limit)));
}

/** CPUs allowed by a cgroup v2 `cpu.max` file ("QUOTA PERIOD" or "max PERIOD"); null: none. */
export function cgroupCpuLimit(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) {
    return null;
  }
  return q / p;
}
