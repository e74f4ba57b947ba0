import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './run-cli.ts';

/** A `pointsman serve` (or `demo`) child process with its bound ports and log lines. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** The probe listener: `/healthz`, `/readyz`, `/metrics`. */
  readonly adminPort: number;
  /** The status listener (on 127.0.0.1): the status page, `/debug/*`, `/api/*`. */
  readonly statusPort: number;
  /** Every JSON log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Everything written to standard output so far. */
  stdout(): string;
  /** Sends a signal and resolves with the exit code (bounded: SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * The data-plane workers every serve process of the run gets (`--workers`), from
 * POINTSMAN_TEST_WORKERS, else 1: the suite runs once with one process and the files whose
 * behaviour could differ run again with 2 (see .ci/run), whatever the machine's CPUs (the
 * default, `auto`, would follow them). A test that passes `--workers` itself keeps its own.
 */
export const TEST_WORKERS = process.env['POINTSMAN_TEST_WORKERS'] ?? '1';

/**
 * Arguments for a test whose counts hold only in one process (rate limits, passive health, the
 * auth cache are per worker): it keeps `--workers 1` in the run with more workers too.
 */
export const ONE_WORKER: readonly string[] = ['--workers', '1'];

/**
 * Starts `pointsman COMMAND ARGS... --http-port 0 --https-port 0 --admin-port 0 --status-port 0` and
 * waits (at most 20 s) for its "pointsman is serving" log line, which carries the bound ports.
 */
export async function startServeProcess(
  command: 'serve' | 'demo',
  args: readonly string[],
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      command,
      '--http-port',
      '0',
      '--https-port',
      '0',
      '--admin-port',
      '0',
      '--status-port',
      '0',
      '--log-level',
      'info',
      ...(args.includes('--workers') ? [] : ['--workers', TEST_WORKERS]),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ports = await new Promise<{ http: number; https: number; admin: number; status: number }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`pointsman ${command} did not start in 20 s: ${JSON.stringify(logs)}`));
      }, 20_000);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`pointsman ${command} exited with ${String(code)}: ${JSON.stringify(logs)}`),
        );
      });
      createInterface({ input: child.stderr }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { msg: line };
        }
        logs.push(entry);
        if (entry['msg'] === 'pointsman is serving') {
          clearTimeout(timer);
          const http = entry['http'] as { port: number };
          const https = entry['https'] as { port: number };
          const admin = entry['admin'] as { port: number };
          const status = entry['statusPage'] as { port: number };
          resolve({ http: http.port, https: https.port, admin: admin.port, status: status.port });
        }
      });
    },
  );
  return {
    child,
    httpPort: ports.http,
    httpsPort: ports.https,
    adminPort: ports.admin,
    statusPort: ports.status,
    logs,
    stdout: () => stdout,
    stop: async (signal = 'SIGTERM', timeoutMs = 15_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
