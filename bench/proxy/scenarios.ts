import { join } from 'node:path';
import { runH2load, h2loadArgs } from './h2load.ts';
import { BENCH_HOST } from './manifests.ts';
import { runWrk, wrkArgs, type WrkResult } from './wrk.ts';

/** What is measured: plain HTTP/1.1, HTTPS kept alive, a new TLS handshake per request, HTTP/2. */
export type ScenarioName = 'http' | 'https' | 'handshakes' | 'h2';

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly ScenarioName[] = ['http', 'https', 'handshakes', 'h2'];

/** Titles of the scenarios in the report. */
export const SCENARIO_TITLES: Readonly<Record<ScenarioName, string>> = {
  http: 'HTTP/1.1, keep-alive',
  https: 'HTTPS (HTTP/1.1 over TLS), keep-alive',
  handshakes: 'HTTPS, a new connection and TLS handshake per request (Connection: close)',
  h2: 'HTTP/2 over TLS (ALPN h2)',
};

/** The load tools and their settings. */
export interface LoadTools {
  readonly wrk: string;
  readonly h2load: string | undefined;
  readonly threads: number;
  readonly connections: number;
  readonly h2Connections: number;
  readonly h2Streams: number;
  /** A scratch directory for h2load's request log. */
  readonly dir: string;
}

/** Whether the scenario needs a TLS listener on each proxy. */
export function usesTls(scenario: ScenarioName): boolean {
  return scenario !== 'http';
}

function wrkRun(scenario: ScenarioName, tools: LoadTools, port: number, seconds: number) {
  return {
    wrk: tools.wrk,
    port,
    host: BENCH_HOST,
    seconds,
    threads: tools.threads,
    connections: tools.connections,
    scheme: usesTls(scenario) ? ('https' as const) : ('http' as const),
    headers: scenario === 'handshakes' ? ['Connection: close'] : [],
  };
}

function h2Run(tools: LoadTools, port: number, seconds: number, warmupSeconds: number) {
  if (tools.h2load === undefined) throw new Error('the h2 scenario needs h2load');
  return {
    h2load: tools.h2load,
    port,
    host: BENCH_HOST,
    seconds,
    warmupSeconds,
    connections: tools.h2Connections,
    streams: tools.h2Streams,
    logFile: join(tools.dir, 'h2load-requests.log'),
  };
}

/**
 * Runs one measured load of `seconds` against 127.0.0.1:port, after a warm-up of
 * `warmupSeconds` (a separate wrk run, or h2load's own warm-up time).
 */
export async function runLoad(
  scenario: ScenarioName,
  tools: LoadTools,
  port: number,
  seconds: number,
  warmupSeconds: number,
): Promise<WrkResult> {
  if (scenario === 'h2') return runH2load(h2Run(tools, port, seconds, warmupSeconds));
  if (warmupSeconds > 0) await runWrk(wrkRun(scenario, tools, port, warmupSeconds));
  return runWrk(wrkRun(scenario, tools, port, seconds));
}

/**
 * `tool args` as a shell line for the report, quoting arguments with spaces or colons; port 0
 * in the URL reads PORT, the proxy's port.
 */
export function commandLine(tool: string, args: readonly string[]): string {
  const quote = (arg: string): string => (/[\s:]/.test(arg) ? `'${arg}'` : arg);
  return `${tool} ${args.map(quote).join(' ')}`.replace('127.0.0.1:0/', '127.0.0.1:PORT/');
}

/** The load command of a scenario, as the report prints it (PORT for the proxy's port). */
export function loadCommand(scenario: ScenarioName, tools: LoadTools, seconds: number): string {
  if (scenario === 'h2') {
    const args = h2loadArgs({ ...h2Run(tools, 0, seconds, 0), logFile: 'LOG' });
    return commandLine(
      'h2load',
      args.filter((arg) => !arg.startsWith('--warm-up')),
    );
  }
  return commandLine('wrk', wrkArgs(wrkRun(scenario, tools, 0, seconds)));
}
