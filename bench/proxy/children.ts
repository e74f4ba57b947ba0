import { spawn, type ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
const extraPids = new Set<number>();
const cleanups: (() => void)[] = [];

/** Starts a process that is killed when this script exits, however it exits (stdin ignored). */
export function startChild(command: string, args: readonly string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Also kills `pid` on exit: a process a started child forked (an nginx worker). */
export function killOnExit(pid: number): void {
  extraPids.add(pid);
}

/** Runs `cleanup` (synchronous) after every process is killed on exit. */
export function onExit(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** Sends SIGTERM to every process still running, synchronously so it works in an exit handler. */
export function killAll(): void {
  for (const child of running) child.kill('SIGTERM');
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone, which is the usual case: its parent stopped it.
    }
  }
  extraPids.clear();
}

/** Whether `child` has exited (or was killed by a signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Stops `child` with SIGTERM and waits for its exit; SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every started process that is still running, the newest first, and waits for each. */
export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) await stopChild(child);
}

/**
 * The trap: on exit, Ctrl-C, SIGTERM, SIGHUP or when `totalTimeoutMs` has passed, every started
 * process is killed and the cleanups run.
 */
export function installTrap(totalTimeoutMs: number): void {
  process.once('exit', () => {
    killAll();
    for (const cleanup of cleanups) cleanup();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping everything this benchmark started`);
      process.exit(130);
    });
  }
  setTimeout(() => {
    console.error(`total timeout of ${String(totalTimeoutMs / 1000)} s reached: stopping`);
    process.exit(1);
  }, totalTimeoutMs).unref();
}
