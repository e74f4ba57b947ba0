import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';

/** The settings of one benchmark run. */
export interface BenchOptions {
  /** Seconds of each measured wrk run. */
  readonly duration: number;
  /** Seconds of the warm-up run before each measured run. */
  readonly warmup: number;
  /** Measured runs per proxy; the report shows their median. */
  readonly rounds: number;
  readonly connections: number;
  readonly threads: number;
  /** Extra Ingresses of the route-count check (0 skips it). */
  readonly routes: number;
  /** Seconds after which everything is stopped, whatever state it is in. */
  readonly timeout: number;
  /** What to measure, in this order. */
  readonly scenarios: readonly ScenarioName[];
  /** h2load connections, and concurrent streams on each, for the h2 scenario. */
  readonly h2Connections: number;
  readonly h2Streams: number;
  /** Also measure HAProxy as a peer in the http scenario (when installed). */
  readonly haproxy: boolean;
  /** Also measure pointsman without metrics, and with metrics and the access log (http). */
  readonly telemetry: boolean;
  /**
   * Worker counts, each measured: pointsman `serve --workers N` and nginx `worker_processes N`;
   * HAProxy runs one process with `nbthread` the largest of them.
   */
  readonly workers: readonly number[];
  /**
   * The offered rate of the fixed-rate run (http scenario), requests/s over all clients:
   * `auto` for half the slowest saturation rate of the run, `off` to skip the run.
   */
  readonly fixedRate: number | 'auto' | 'off';
  /** h2load clients (connections) sharing the fixed rate. */
  readonly rateClients: number;
}

/** Usage of bench/proxy/run.ts. */
export const USAGE = `Usage: node bench/proxy/run.ts [options]

Runs nginx, HAProxy and pointsman in front of the same loopback backend and measures them with
wrk and h2load.
  --duration S      seconds of each measured run (default 10)
  --warmup S        seconds of the warm-up before each measured run (default 3)
  --rounds N        measured runs per proxy, alternating; the median is reported (default 2)
  --connections N   wrk connections (default 50)
  --threads N       wrk threads (default 1)
  --routes N        extra Ingresses of the route-count check, 0 to skip (default 10000)
  --scenarios LIST  comma-separated, from http (HTTP/1.1), https (HTTP/1.1 over TLS, kept
                    alive), handshakes (HTTPS with a new TLS handshake per request) and h2
                    (HTTP/2 over TLS, with h2load) (default: all four)
  --h2-connections N  h2load connections in the h2 scenario (default 10)
  --h2-streams N    concurrent streams per h2load connection (default 5: as many requests in
                    flight as wrk's 50 connections)
  --haproxy on|off  also measure HAProxy (Debian's haproxy) in the http scenario (default on)
  --telemetry on|off
                    also measure pointsman with --metrics off, and with metrics and the access
                    log to a file, in the http scenario: the cost of telemetry (default on)
  --workers LIST    comma-separated worker counts, each measured: pointsman serve --workers N
                    (the flag is passed only when N is not 1) and nginx worker_processes N;
                    HAProxy runs once, one process with nbthread = the largest (default 1,2)
  --fixed-rate N|auto|off
                    after the http saturation runs, offer N requests/s in total to every
                    proxy with h2load --h1 --rps (HTTP/1.1, plain TCP) for the same duration
                    and report p50/p99 at that rate; auto: half the slowest proxy's
                    saturation rate in this run (default auto)
  --rate-clients N  h2load clients (one connection each, one request in flight) sharing the
                    fixed rate (default 50, as many as wrk's connections)
  --timeout S       stop everything after this many seconds (default: from the settings above)
`;

function count(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} must be an integer of at least ${String(min)}`);
  }
  return parsed;
}

const NUMBER = { type: 'string' } as const;

/** Options from the command line; undefined when help was asked for. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h' },
      duration: NUMBER,
      warmup: NUMBER,
      rounds: NUMBER,
      connections: NUMBER,
      threads: NUMBER,
      routes: NUMBER,
      timeout: NUMBER,
      scenarios: { type: 'string' },
      'h2-connections': NUMBER,
      'h2-streams': NUMBER,
      haproxy: { type: 'string' },
      telemetry: { type: 'string' },
      workers: { type: 'string' },
      'fixed-rate': { type: 'string' },
      'rate-clients': NUMBER,
    },
  });
  if (values.help === true) return undefined;
  const duration = count('duration', values.duration, 10, 1);
  const warmup = count('warmup', values.warmup, 3, 0);
  const rounds = count('rounds', values.rounds, 2, 1);
  const routes = count('routes', values.routes, 10_000, 0);
  const scenarios = scenarioList(values.scenarios);
  const haproxy = onOff('haproxy', values.haproxy);
  const telemetry = onOff('telemetry', values.telemetry);
  const workers = workerList(values.workers);
  const fixedRate = rateSetting(values['fixed-rate']);
  const http = scenarios.includes('http');
  const httpExtras = (routes > 0 ? 1 : 0) + (haproxy ? 1 : 0) + (telemetry ? 2 : 0);
  const perScenario = workers.length * 2;
  const httpTargets = perScenario + httpExtras;
  // Each measured run has its own warm-up run; the fixed-rate runs measure every http target.
  const runs =
    rounds *
    (scenarios.length * perScenario +
      (http ? httpExtras : 0) +
      (http && fixedRate !== 'off' ? httpTargets : 0));
  return {
    duration,
    warmup,
    rounds,
    connections: count('connections', values.connections, 50, 1),
    threads: count('threads', values.threads, 1, 1),
    routes,
    timeout: count('timeout', values.timeout, runs * (duration + warmup + 5) + 180, 10),
    scenarios,
    h2Connections: count('h2-connections', values['h2-connections'], 10, 1),
    h2Streams: count('h2-streams', values['h2-streams'], 5, 1),
    haproxy,
    telemetry,
    workers,
    fixedRate,
    rateClients: count('rate-clients', values['rate-clients'], 50, 1),
  };
}

// At most this many worker counts: each one adds two proxies to every scenario.
const MAX_WORKER_COUNTS = 8;
// More workers than this on a loopback benchmark only measures the scheduler.
const MAX_WORKERS = 64;

function workerList(value: string | undefined): number[] {
  if (value === undefined) return [1, 2];
  const counts = value.split(',').map((item) => Number(item.trim()));
  if (
    counts.length > MAX_WORKER_COUNTS ||
    counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
  ) {
    throw new Error(
      `--workers takes up to ${String(MAX_WORKER_COUNTS)} comma-separated integers from 1 to ` +
        `${String(MAX_WORKERS)}, not ${value}`,
    );
  }
  return [...new Set(counts)];
}

function rateSetting(value: string | undefined): number | 'auto' | 'off' {
  if (value === undefined || value === 'auto' || value === 'off') return value ?? 'auto';
  const rate = Number(value);
  if (!Number.isInteger(rate) || rate < 1) {
    throw new Error(
      `--fixed-rate takes a positive integer (requests/s), auto or off, not ${value}`,
    );
  }
  return rate;
}

function onOff(name: string, value: string | undefined): boolean {
  if (value === undefined || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`--${name} takes on or off, not ${value}`);
}

function scenarioList(value: string | undefined): ScenarioName[] {
  if (value === undefined) return [...SCENARIOS];
  const names = value.split(',').map((name) => name.trim());
  const known = new Set<string>(SCENARIOS);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--scenarios takes ${SCENARIOS.join(', ')}; not ${unknown.join(', ')}`);
  }
  return SCENARIOS.filter((name) => names.includes(name));
}
