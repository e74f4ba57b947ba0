import { readFileSync, rmSync } from 'node:fs';
import { startChild, stopChild } from './children.ts';
import type { WrkResult } from './wrk.ts';

/** The settings of one h2load run against 127.0.0.1:port. */
export interface H2loadRun {
  /** Path of the h2load executable. */
  readonly h2load: string;
  readonly port: number;
  readonly host: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Connections, and concurrent streams on each (requests in flight with HTTP/1.1). */
  readonly connections: number;
  readonly streams: number;
  /** Where h2load writes one line per request, for the latency percentiles. */
  readonly logFile: string;
  /**
   * `h2`: HTTP/2 over TLS (ALPN h2, the default); `http1`: HTTP/1.1 over plain TCP (`--h1` and
   * an http:// URI).
   */
  readonly protocol?: 'h2' | 'http1';
  /**
   * Requests per second of each client, `--rps` (absent: each sends as fast as it is answered).
   * h2load 1.52's --help: "Specify request per second for each client"; the total offered rate
   * is clients x rps. It is not `-r`, which is `--rate`, new connections per period. From
   * nghttp2's rps_cb: a per-client timer adds elapsed x rps requests to the client's backlog and
   * sends as many as its free streams allow (one with `--h1 -m1`), so a slow answer delays the
   * next request, and that wait is not in any request's latency.
   */
  readonly rpsPerClient?: number;
  /**
   * Open one connection every `periodMs` (`-r1 --rate-period`) and stop after `requests`
   * (`-n`), instead of running `seconds` (`-D`, which h2load refuses with `-r`). With --rps and
   * all connections opened at once, every client's timer fires at the same instant: the rate
   * arrives as bursts of one request per client (measured: 50 clients at 20 req/s each put all
   * 2,000 request starts into the same 5 ms of every 50 ms). Opening them one by one spreads
   * the timers over the period.
   */
  readonly stagger?: { readonly periodMs: number; readonly requests: number };
}

/** The h2load arguments for `run`: `:authority` set to the bench host. */
export function h2loadArgs(run: H2loadRun): string[] {
  const http1 = run.protocol === 'http1';
  const { stagger } = run;
  const length =
    stagger === undefined
      ? [
          `-D${String(run.seconds)}`,
          ...(run.warmupSeconds > 0 ? [`--warm-up-time=${String(run.warmupSeconds)}`] : []),
        ]
      : ['-r1', `--rate-period=${String(stagger.periodMs)}ms`, `-n${String(stagger.requests)}`];
  return [
    '-t1',
    `-c${String(run.connections)}`,
    `-m${String(run.streams)}`,
    ...length,
    ...(http1 ? ['--h1'] : []),
    ...(run.rpsPerClient === undefined ? [] : [`--rps=${String(run.rpsPerClient)}`]),
    // With --h1, h2load sends :authority as the Host header.
    '-H',
    `:authority: ${run.host}`,
    `--log-file=${run.logFile}`,
    `${http1 ? 'http' : 'https'}://127.0.0.1:${String(run.port)}/`,
  ];
}

/**
 * Runs h2load to the end and reads its summary and log. It is killed if it overruns by 15 s, or,
 * with `stagger`, if it takes more than twice `seconds` + 15 s: a proxy that cannot serve the
 * offered rate.
 */
export async function runH2load(run: H2loadRun): Promise<WrkResult> {
  const child = startChild(run.h2load, h2loadArgs(run));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const limit = run.stagger === undefined ? run.seconds + run.warmupSeconds : 2 * run.seconds;
  const guard = setTimeout(() => void stopChild(child), (limit + 15) * 1000);
  const code = await exited;
  clearTimeout(guard);
  if (code !== 0) {
    const slow = run.stagger === undefined ? '' : ' (is the offered rate too high?)';
    throw new Error(`h2load exited with ${String(code)}${slow}:\n${out}`);
  }
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
