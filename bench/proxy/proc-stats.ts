import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (`getconf CLK_TCK`, 100 when unknown). */
export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

// The fields after the command name, which is in parentheses and may hold spaces; the first
// one here is field 3 (state) of proc(5).
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * User plus system CPU time of `pid` so far, in clock ticks (fields 14 and 15 of proc(5)).
 * /proc/PID/stat of a process counts all its threads, ended ones included (per-thread times are
 * in /proc/PID/task/TID/stat): pointsman's worker threads and HAProxy's are in this figure.
 * Checked on Linux 6 with a Node worker thread that spun 1.5 s and exited: 158 ticks here,
 * 3 in the main thread's task entry.
 */
export function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

// Fields 14-17 of proc(5): utime, stime, and cutime, cstime, the times of children it waited for.
function ownAndReapedTicks(fields: readonly string[]): number {
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
}

// Deeper than any proxy's process tree (nginx and pointsman: two levels).
const MAX_TREE_DEPTH = 4;

/**
 * `root` and its descendants, in one pass over /proc: parent before children. A process that
 * ends while /proc is read is left out.
 */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(Number(entry))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree = [root];
  let level = [root];
  for (let depth = 0; depth < MAX_TREE_DEPTH && level.length > 0; depth++) {
    level = level.flatMap((pid) => children.get(pid) ?? []);
    tree.push(...level);
  }
  return tree;
}

/**
 * CPU ticks of `root`'s whole process tree: every live process's user and system time plus the
 * children each one has waited for, so a worker that ends and is reaped mid-run still counts,
 * in its parent. Summing this tree is what makes the figure the same for nginx (a master and
 * worker processes), HAProxy (one process of threads) and pointsman, whether its `--workers`
 * are threads (in the one process's figure, see `cpuTicks`) or forked processes.
 */
export function treeCpuTicks(root: number): number {
  let sum = 0;
  for (const pid of processTree(root)) {
    try {
      sum += ownAndReapedTicks(statFields(pid));
    } catch {
      // Ended since the tree was read: once reaped, its time is in its parent's cutime.
    }
  }
  return sum;
}

/** A `NAME:  N kB` line of a /proc/PID file, in KiB; 0 when the process is gone or has none. */
function procKiB(pid: number, file: string, field: RegExp): number {
  try {
    const match = field.exec(readFileSync(`/proc/${String(pid)}/${file}`, 'utf8'));
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Resident set size of `pid` in KiB (VmRSS of /proc/PID/status), 0 when it is gone. */
export function rssKiB(pid: number): number {
  return procKiB(pid, 'status', /^VmRSS:\s+(\d+) kB/m);
}

/** The processes whose parent is `ppid` (field 4 of proc(5)). */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === ppid) pids.push(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return pids;
}

/** The RSS of several processes summed, in KiB (pages they share count in each). */
export function rssKiBOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
}

/** The largest RSS of the processes summed, and of any one of them, in KiB. */
export interface RssPeak {
  readonly sumKiB: number;
  /** For a proxy of several processes, its largest worker (or master): the per-process figure. */
  readonly largestKiB: number;
}

/**
 * Samples the RSS of `pids` every `intervalMs` until `stop()`, which returns the largest sum and
 * the largest single process seen. The list is taken once: a process started later is not in it.
 */
export function sampleMaxRss(pids: readonly number[], intervalMs = 200): { stop(): RssPeak } {
  let sumKiB = 0;
  let largestKiB = 0;
  const sample = (): void => {
    const each = pids.map(rssKiB);
    sumKiB = Math.max(
      sumKiB,
      each.reduce((sum, kib) => sum + kib, 0),
    );
    largestKiB = Math.max(largestKiB, ...each);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): RssPeak {
      clearInterval(timer);
      sample();
      return { sumKiB, largestKiB };
    },
  };
}

/**
 * Proportional set size of `pid` in KiB (Pss of /proc/PID/smaps_rollup): its private pages plus
 * its share of the pages it shares (the Node binary, for pointsman's processes), so that the
 * sum over a proxy's processes is what they hold together. 0 when it is gone or unreadable.
 */
export function pssKiB(pid: number): number {
  return procKiB(pid, 'smaps_rollup', /^Pss:\s+(\d+) kB/m);
}
