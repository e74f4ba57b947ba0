import { join } from 'node:path';
import { h2loadArgs, type H2loadRun } from './h2load.ts';
import { BENCH_HOST } from './manifests.ts';
import { commandLine } from './scenarios.ts';

// Latency at saturation is mostly queueing in front of whichever proxy is slowest; at a rate
// every proxy sustains it shows what one request costs in waiting. Half the slowest proxy's
// saturation rate leaves that proxy idle half the time, so its queue stays short.
const AUTO_FRACTION = 0.5;

/**
 * The default offered rate of the fixed-rate run: half the lowest of `saturationRates` (the
 * requests/s of every proxy measured at saturation in this run), at least 1.
 */
export function autoRate(saturationRates: readonly number[]): number {
  const slowest = Math.min(...saturationRates.filter((rate) => Number.isFinite(rate)));
  return Number.isFinite(slowest) ? Math.max(1, Math.floor(slowest * AUTO_FRACTION)) : 1;
}

/** How a total rate is offered: this many h2load clients, each sending `rpsPerClient` req/s. */
export interface RateSplit {
  readonly clients: number;
  readonly rpsPerClient: number;
  /** clients x rpsPerClient: the rate offered, after rounding. */
  readonly offered: number;
}

/**
 * `total` requests/s shared by `clients` h2load clients (fewer when the rate is lower than one
 * request per second per client); h2load takes a fractional --rps, rounded here to 1/1000.
 */
export function splitRate(total: number, clients: number): RateSplit {
  const used = Math.max(1, Math.min(clients, Math.floor(total)));
  const rpsPerClient = Math.round((total / used) * 1000) / 1000;
  return { clients: used, rpsPerClient, offered: Math.round(used * rpsPerClient) };
}

/**
 * The h2load run of the fixed-rate load: HTTP/1.1 over plain TCP, one connection and one
 * request in flight per client (`-m1`: no pipelining, as a browser or wrk does), `seconds` x the
 * offered rate requests, no warm-up inside the run, so the CPU taken around it is the measured
 * requests' alone. The clients connect one every 1000 / offered ms (whole ms, at least 1: all
 * --rate-period takes), so their --rps timers are spread over a client's period: the requests
 * arrive evenly instead of in bursts of one per client (see `H2loadRun.stagger`).
 */
export function fixedRateRun(
  h2load: string,
  port: number,
  seconds: number,
  split: RateSplit,
  dir: string,
): H2loadRun {
  return {
    h2load,
    port,
    host: BENCH_HOST,
    seconds,
    warmupSeconds: 0,
    connections: split.clients,
    streams: 1,
    logFile: join(dir, 'h2load-fixed-rate.log'),
    protocol: 'http1',
    rpsPerClient: split.rpsPerClient,
    stagger: {
      periodMs: Math.max(1, Math.round(1000 / split.offered)),
      requests: Math.max(split.clients, Math.round(split.offered * seconds)),
    },
  };
}

/** Runs whose achieved rate is below this share of the offered rate are flagged. */
export const SUSTAINED_SHARE = 0.95;

/** The fixed-rate h2load command, as the report prints it (PORT for the proxy's port). */
export function fixedRateCommand(split: RateSplit, seconds: number): string {
  return commandLine(
    'h2load',
    h2loadArgs({ ...fixedRateRun('h2load', 0, seconds, split, '.'), logFile: 'LOG' }),
  );
}
