import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/**
 * `spawn`, with the child killed (SIGKILL) by the kernel when this test process dies, however it
 * dies: exit hooks do not run on SIGKILL or on a default-action SIGTERM, and a server left behind
 * (etcd, kube-apiserver, pointsman) would hold ports, memory and a data directory. Uses
 * util-linux's `setpriv --pdeathsig`, which sets the signal and then runs the program in the
 * same process; without setpriv the child is spawned plainly.
 */
export function spawnTied(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): ChildProcess {
  if (!existsSync(SETPRIV)) return spawn(command, args, options);
  return spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args], options);
}
