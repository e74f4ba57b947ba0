import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Memory a cgroup limit keeps for the control plane before it counts workers (MiB). */
export const CONTROL_PLANE_BUDGET_MIB = 256;
/**
 * Memory a cgroup limit is taken to need per worker (MiB): a worker's RSS under bench/proxy's
 * load is about 150 MiB (bench/README.md), with some room.
 */
export const WORKER_BUDGET_MIB = 160;

/**
 * The default number of workers (`--workers auto`, the default): the CPUs this process may use
 * (`os.availableParallelism()`, which follows the CPU affinity mask), capped by the cgroup v2
 * CPU limit when there is one (a Pod's `resources.limits.cpu` becomes `cpu.max`; Node does not
 * read it), and by the cgroup memory limit (`memory.max`): {@link CONTROL_PLANE_BUDGET_MIB} for
 * the control plane and {@link WORKER_BUDGET_MIB} per worker, so that more cores never get a
 * Pod killed for memory. A CPU limit of 1.5 gives 2 workers (a worker that can run half the
 * time still serves); a memory limit of 512 MiB gives 1, of 1 GiB 4. At least 1, and 1 off
 * Linux: the workers share ports with SO_REUSEPORT, which spreads connections over the sockets
 * of a port on Linux only, and reach the shared limits at an abstract socket name, which only
 * Linux has.
 */
export function defaultWorkerCount(
  cpuMaxPath = '/sys/fs/cgroup/cpu.max',
  memoryMaxPath = '/sys/fs/cgroup/memory.max',
  platform: NodeJS.Platform = process.platform,
): number {
  if (platform !== 'linux') return 1;
  const cpus = availableParallelism();
  const cpuLimit = cgroupCpuLimit(cpuMaxPath);
  const byCpu = cpuLimit === null ? cpus : Math.min(cpus, Math.ceil(cpuLimit));
  const memory = cgroupMemoryLimit(memoryMaxPath);
  const byMemory =
    memory === null
      ? byCpu
      : Math.floor((memory / 2 ** 20 - CONTROL_PLANE_BUDGET_MIB) / WORKER_BUDGET_MIB);
  return Math.max(1, Math.min(byCpu, byMemory));
}

/** Bytes allowed by a cgroup v2 `memory.max` file (a number, or "max"); null: none. */
export function cgroupMemoryLimit(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  const bytes = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
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
