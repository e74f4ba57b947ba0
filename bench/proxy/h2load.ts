import { readFileSync, rmSync } from 'node:fs';
import { startChild, stopChild } from './children.ts';
import type { WrkResult } from './wrk.ts';

/** The settings of one h2load run (HTTP/2 over TLS, ALPN h2) against 127.0.0.1:port. */
export interface H2loadRun {
  /** Path of the h2load executable. */
  readonly h2load: string;
  readonly port: number;
  readonly host: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Connections, and concurrent streams on each. */
  readonly connections: number;
  readonly streams: number;
  /** Where h2load writes one line per request, for the latency percentiles. */
  readonly logFile: string;
}

/** The h2load arguments for `run`: timed, with a warm-up, `:authority` set to the bench host. */
export function h2loadArgs(run: H2loadRun): string[] {
  return [
    '-t1',
    `-c${String(run.connections)}`,
    `-m${String(run.streams)}`,
    `-D${String(run.seconds)}`,
    `--warm-up-time=${String(run.warmupSeconds)}`,
    '-H',
    `:authority: ${run.host}`,
    `--log-file=${run.logFile}`,
    `https://127.0.0.1:${String(run.port)}/`,
  ];
}

/** Runs h2load to the end (killed if it overruns by 15 s) and reads its summary and log. */
export async function runH2load(run: H2loadRun): Promise<WrkResult> {
  const child = startChild(run.h2load, h2loadArgs(run));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const guard = setTimeout(
    () => void stopChild(child),
    (run.seconds + run.warmupSeconds + 15) * 1000,
  );
  const code = await exited;
  clearTimeout(guard);
  if (code !== 0) throw new Error(`h2load exited with ${String(code)}:\n${out}`);
  const log = readFileSync(run.logFile, 'utf8');
  rmSync(run.logFile, { force: true });
  return parseH2load(out, log);
}

/**
 * Requests/s, request count and non-2xx answers from h2load's summary; p50 and p99 from its
 * per-request log (tab-separated: start time, status, microseconds to the end of the response).
 */
export function parseH2load(summary: string, log: string): WrkResult {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(summary)?.[1];
  const counts =
    /^requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/m.exec(
      summary,
    );
  if (rate === undefined || counts === null) {
    throw new Error(`cannot read h2load's output:\n${summary}`);
  }
  const micros = log
    .split('\n')
    .map((line) => Number(line.split('\t')[2]))
    .filter((value) => Number.isFinite(value))
    .sort((a, b) => a - b);
  const at = (fraction: number): number =>
    (micros[Math.min(micros.length - 1, Math.floor(fraction * micros.length))] ?? Number.NaN) /
    1000;
  // h2load's `failed` counts non-2xx/3xx answers and `errored` requests (no answer) alike.
  const errored = Number(counts[5]);
  return {
    requestsPerSecond: Number(rate),
    requests: Number(counts[2]),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    non2xx: Number(counts[4]),
    socketErrors: errored > 0 ? `${String(errored)} errored` : undefined,
  };
}
