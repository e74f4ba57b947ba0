import { startChild, stopChild } from './children.ts';

/** What one wrk run measured. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with a status outside 2xx and 3xx. */
  readonly non2xx: number;
  /** wrk's "Socket errors" line, when it printed one. */
  readonly socketErrors: string | undefined;
}

/** The settings of one wrk run against 127.0.0.1:port. */
export interface WrkRun {
  /** Path of the wrk executable. */
  readonly wrk: string;
  readonly port: number;
  readonly host: string;
  readonly seconds: number;
  readonly threads: number;
  readonly connections: number;
  /** `https` for the TLS scenarios; `http` when absent. */
  readonly scheme?: 'http' | 'https';
  /** More `Name: value` headers, such as `Connection: close`. */
  readonly headers?: readonly string[];
}

/** The wrk arguments for `run`; `--latency` prints the percentiles parsed below. */
export function wrkArgs(run: WrkRun): string[] {
  return [
    `-t${String(run.threads)}`,
    `-c${String(run.connections)}`,
    `-d${String(run.seconds)}s`,
    '--latency',
    '-H',
    `Host: ${run.host}`,
    ...(run.headers ?? []).flatMap((header) => ['-H', header]),
    `${run.scheme ?? 'http'}://127.0.0.1:${String(run.port)}/`,
  ];
}

/** Runs wrk to the end (killed if it overruns its duration by 15 s) and parses what it prints. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const child = startChild(run.wrk, wrkArgs(run));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const guard = setTimeout(() => void stopChild(child), (run.seconds + 15) * 1000);
  const code = await exited;
  clearTimeout(guard);
  if (code !== 0) throw new Error(`wrk exited with ${String(code)}:\n${out}`);
  return parseWrk(out);
}

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function milliseconds(value: string | undefined, unit: string | undefined): number {
  if (value === undefined || unit === undefined) return Number.NaN;
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

function percentileMs(text: string, percent: string): number {
  const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
  return milliseconds(match?.[1], match?.[2]);
}

/** Requests/s, request count, p50 and p99 (ms) and errors from wrk's `--latency` output. */
export function parseWrk(text: string): WrkResult {
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text)?.[1];
  const requests = /^\s+(\d+) requests in /m.exec(text)?.[1];
  const non2xx = /^\s+Non-2xx or 3xx responses: (\d+)/m.exec(text)?.[1];
  if (rate === undefined || requests === undefined) {
    throw new Error(`cannot read wrk's output:\n${text}`);
  }
  return {
    requestsPerSecond: Number(rate),
    requests: Number(requests),
    p50Ms: percentileMs(text, '50'),
    p99Ms: percentileMs(text, '99'),
    non2xx: non2xx === undefined ? 0 : Number(non2xx),
    socketErrors: /^\s+Socket errors: (.*)$/m.exec(text)?.[1],
  };
}

/** The longest request (ms) in wrk's output: the Max column of its `Latency` line. */
export function wrkMaxLatencyMs(text: string): number {
  const match = /^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m|h)\s/m.exec(text);
  return milliseconds(match?.[1], match?.[2]);
}
