import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/run-cli.ts';
import { TEST_WORKERS } from '../helpers/serve-process.ts';
import { spawnTied } from '../helpers/tied-spawn.ts';

/** A `pointsman serve` child process, known from its admin server on. */
export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  /** Resolves with the HTTP port once "pointsman is serving" is logged (sources synced). */
  readonly serving: Promise<number>;
  /** Every JSON log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `pointsman serve --http-port 0 --https-port 0 --admin-port 0 --status-port 0 ARGS...` and resolves
 * once its admin server listens (at most 20 s), before the sources have synced, so readiness
 * can be watched from the start. `env` is added to this process's environment. It gets
 * `--workers` of the run (1, or POINTSMAN_TEST_WORKERS), unless `args` choose.
 */
export async function startController(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ControllerProcess> {
  const child = spawnTied(
    process.execPath,
    [
      CLI,
      'serve',
      '--http-port',
      '0',
      '--https-port',
      '0',
      '--admin-port',
      '0',
      '--status-port',
      '0',
      ...(args.includes('--workers') ? [] : ['--workers', TEST_WORKERS]),
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  const logs: Record<string, unknown>[] = [];
  const stderr = child.stderr;
  if (stderr === null) throw new Error('pointsman was spawned without a stderr pipe');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let onServing: (port: number) => void = () => undefined;
  const serving = new Promise<number>((resolve, reject) => {
    onServing = resolve;
    void exited.then((code) => {
      reject(new Error(`pointsman exited with ${String(code)}: ${JSON.stringify(logs)}`));
    });
  });
  serving.catch(() => undefined);
  const adminPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pointsman did not start in 20 s: ${JSON.stringify(logs)}`));
    }, 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pointsman exited with ${String(code)}: ${JSON.stringify(logs)}`));
    });
    createInterface({ input: stderr }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry['msg'] === 'admin server listening') {
        clearTimeout(timer);
        resolve(entry['port'] as number);
      }
      if (entry['msg'] === 'pointsman is serving') {
        onServing((entry['http'] as { port: number }).port);
      }
    });
  });
  return {
    child,
    adminPort,
    serving,
    logs,
    stop: async (timeoutMs = 15_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
