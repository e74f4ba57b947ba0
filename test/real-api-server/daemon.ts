import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { spawnTied } from '../helpers/tied-spawn.ts';

/** A long-running program of a test fixture, with its output in a log file. */
export interface Daemon {
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test process that ends without closing its fixtures must not leave servers behind (a
// killed one: spawnTied's death signal).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `command ARGS...` with stdout and stderr appended to `logFile`, then calls `ready`
 * every 100 ms until it resolves true; rejects (and kills the program) if it exits first or
 * `timeoutMs` passes, quoting the log's path.
 */
export async function startDaemon(
  command: string,
  args: readonly string[],
  logFile: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<Daemon> {
  const log = openSync(logFile, 'a');
  const child = spawnTied(command, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${command} exited with ${String(child.exitCode ?? child.signalCode)}; see ${logFile}`,
      );
    }
    if (await ready().catch(() => false)) return { child, stop };
    if (Date.now() > deadline) {
      await stop(0);
      throw new Error(`${command} was not ready in ${String(timeoutMs)} ms; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
