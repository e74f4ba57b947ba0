// Proxy benchmark: nginx, HAProxy and pointsman (with each worker count) in front of the same
// loopback backend, measured in alternating rounds with wrk and h2load at saturation, then at
// one fixed rate. Run: `npm run bench:proxy` (node bench/proxy/run.ts --help for options).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTrap, onExit, stopAll } from './children.ts';
import {
  autoRate,
  fixedRateCommand,
  fixedRateRun,
  splitRate,
  SUSTAINED_SHARE,
  type RateSplit,
} from './fixed-rate.ts';
import { runH2load } from './h2load.ts';
import { parseOptions, USAGE, type BenchOptions } from './options.ts';
import { serveArgs } from './pointsman.ts';
import {
  clockTicksPerSecond,
  processTree,
  pssKiB,
  rssKiB,
  rssKiBOf,
  sampleMaxRss,
  treeCpuTicks,
} from './proc-stats.ts';
import {
  formatRatios,
  formatRun,
  formatTable,
  peerRatios,
  summarize,
  type Row,
  type RunFigures,
} from './report.ts';
import {
  loadCommand,
  runLoad,
  SCENARIO_TITLES,
  type LoadTools,
  type ScenarioName,
  usesTls,
} from './scenarios.ts';
import { checkRouting, startTargets, type Programs, type Target } from './targets.ts';
import { findTool, versionOf } from './tools.ts';
import type { WrkResult } from './wrk.ts';

interface Context {
  readonly options: BenchOptions;
  readonly tools: LoadTools;
  /** The backend nginx's master. */
  readonly backendPid: number;
  readonly ticksPerSecond: number;
}

/**
 * The idle memory of `target`'s processes: RSS summed and per process (largest first), and PSS
 * summed (shared pages counted once, as a cgroup's memory limit counts them).
 */
function idleMemory(target: Target): string {
  const pids = processTree(target.pid);
  const mib = (kib: number): string => (kib / 1024).toFixed(1);
  const each = pids.map(rssKiB).sort((a, b) => b - a);
  const pss = pids.reduce((sum, pid) => sum + pssKiB(pid), 0);
  return (
    `${target.label}: idle RSS ${mib(rssKiBOf(pids))} MiB (per process ${each.map(mib).join(', ')}), ` +
    `PSS ${mib(pss)} MiB`
  );
}

// One measured load of `target` (`load` runs it), with the CPU time of all the proxy's
// processes and of the backend taken around it.
async function measureRun(
  target: Target,
  context: Context,
  load: () => Promise<WrkResult>,
): Promise<RunFigures> {
  const { ticksPerSecond, backendPid } = context;
  const before = treeCpuTicks(target.pid);
  const backendBefore = treeCpuTicks(backendPid);
  const sampler = sampleMaxRss(processTree(target.pid));
  const wrk = await load();
  const rss = sampler.stop();
  const perRequest = (ticks: number): number => ((ticks / ticksPerSecond) * 1e6) / wrk.requests;
  return {
    wrk,
    cpuUsPerRequest: perRequest(treeCpuTicks(target.pid) - before),
    backendCpuUsPerRequest: perRequest(treeCpuTicks(backendPid) - backendBefore),
    rssMiB: rss.sumKiB / 1024,
    largestProcessRssMiB: rss.largestKiB / 1024,
  };
}

async function atSaturation(
  target: Target,
  context: Context,
  scenario: ScenarioName,
): Promise<RunFigures> {
  const { options, tools } = context;
  // h2load warms up inside the measured run; its CPU then counts over the warm-up too, which
  // only lowers the figure's precision, not its fairness: both proxies get the same.
  const h2 = scenario === 'h2';
  if (!h2 && options.warmup > 0) await runLoad(scenario, tools, target.port, options.warmup, 0);
  return measureRun(target, context, () =>
    runLoad(scenario, tools, target.port, options.duration, h2 ? options.warmup : 0),
  );
}

// The warm-up is a run of its own at the same rate, so the CPU time counts measured requests only.
async function atFixedRate(
  target: Target,
  context: Context,
  split: RateSplit,
): Promise<RunFigures> {
  const { options, tools } = context;
  const { h2load } = tools;
  if (h2load === undefined) throw new Error('the fixed-rate run needs h2load');
  const run = (seconds: number) => fixedRateRun(h2load, target.port, seconds, split, tools.dir);
  if (options.warmup > 0) await runH2load(run(options.warmup));
  return measureRun(target, context, () => runH2load(run(options.duration)));
}

const load = (): string => loadavg()[0]?.toFixed(1) ?? '?';

function header(
  options: BenchOptions,
  tools: LoadTools,
  programs: Programs,
  loadBefore: string,
): string {
  let commit = '?';
  try {
    commit = execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    }).trim();
  } catch {
    // Not a git checkout.
  }
  const h2load = tools.h2load === undefined ? '' : `, ${versionOf(tools.h2load, ['--version'])}`;
  const workers = options.workers.map(String).join(', ');
  return [
    `date: ${new Date().toISOString()}`,
    `command: node bench/proxy/run.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `pointsman ${commit}, node ${process.version}, ${versionOf(programs.nginx, ['-v'])}, ` +
      (programs.haproxy === undefined
        ? ''
        : `${versionOf(programs.haproxy, ['-v']).split(' - ')[0] ?? ''}, `) +
      `${versionOf(tools.wrk, ['-v']).split(' [')[0] ?? ''}${h2load}`,
    `pointsman ${serveArgs('DIR').slice(1).join(' ')} (and --workers N for wN, N > 1)`,
    `worker counts ${workers}: pointsman wN serve --workers N, nginx wN worker_processes N` +
      (programs.haproxy === undefined
        ? ''
        : `, haproxy one process with nbthread ${String(Math.max(...options.workers))}`) +
      `; the backend nginx has one worker`,
    `${String(availableParallelism())} CPUs shared by the load tool, the proxy under test and the ` +
      `backend; 1-minute load average ${loadBefore} before the run, ${load()} after`,
    `${String(options.warmup)} s warm-up before each run, ${String(options.rounds)} rounds ` +
      `alternating, medians reported; CPU us/req is the proxy's user+system time per request ` +
      `(per handshake in the handshake scenario) summed over its process tree (nginx: master ` +
      `and workers; pointsman: its process and any worker processes), RSS the largest sample ` +
      `of their summed RSS`,
    ...options.scenarios.map(
      (scenario) => `${scenario}: ${loadCommand(scenario, tools, options.duration)}`,
    ),
  ].join('\n');
}

// Measures every target in alternating rounds with `measure`; their summaries, in target order.
async function measureRounds(
  targets: readonly Target[],
  context: Context,
  what: string,
  measure: (target: Target) => Promise<RunFigures>,
): Promise<Row[]> {
  const runs = new Map(targets.map((target) => [target, [] as RunFigures[]]));
  for (let round = 1; round <= context.options.rounds; round++) {
    for (const target of targets) {
      const figures = await measure(target);
      runs.get(target)?.push(figures);
      console.error(formatRun(`${what}, round ${String(round)}, ${target.label}`, figures));
    }
  }
  return targets.map((target) => ({
    role: target.role,
    workers: target.workers,
    summary: summarize(target.label, runs.get(target) ?? []),
  }));
}

/** Measures every target of one scenario at saturation: its report, and its rows. */
async function runScenario(
  scenario: ScenarioName,
  targets: readonly Target[],
  context: Context,
): Promise<{ text: string; rows: Row[] }> {
  const rows = await measureRounds(targets, context, scenario, (target) =>
    atSaturation(target, context, scenario),
  );
  const backendCost = rows.map((row) => row.summary.backendCpuUsPerRequest.toFixed(1)).join(' / ');
  const text = [
    `### ${SCENARIO_TITLES[scenario]}`,
    '',
    formatTable(rows.map((row) => row.summary)),
    '',
    formatRatios(rows),
    `backend nginx CPU us/req (same rows): ${backendCost}`,
  ].join('\n');
  return { text, rows };
}

/**
 * Offers every target of the http scenario `total` requests/s (after its saturation runs) and
 * reports latency, CPU and the rate each one achieved.
 */
async function runFixedRate(
  targets: readonly Target[],
  context: Context,
  total: number,
  how: string,
): Promise<string> {
  const split = splitRate(total, context.options.rateClients);
  const rows = await measureRounds(
    targets,
    context,
    `fixed rate ${String(split.offered)}/s`,
    (target) => atFixedRate(target, context, split),
  );
  const short = rows
    .filter((row) => row.summary.requestsPerSecond < split.offered * SUSTAINED_SHARE)
    .map((row) => row.summary.label);
  return [
    `### HTTP/1.1, keep-alive, at a fixed rate of ${String(split.offered)} req/s (${how})`,
    '',
    fixedRateCommand(split, context.options.duration),
    '',
    formatTable(rows.map((row) => row.summary)),
    '',
    ...peerRatios(rows, ['p99', 'p50', 'CPU per request']),
    short.length === 0
      ? `every proxy sustained the offered rate (at least ${String(SUSTAINED_SHARE * 100)} %)`
      : `below ${String(SUSTAINED_SHARE * 100)} % of the offered rate, so its latency is not at ` +
        `that rate: ${short.join(', ')}`,
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const nginx = findTool('nginx');
  const wrk = findTool('wrk');
  const h2load = findTool('h2load');
  if (nginx === undefined || wrk === undefined) {
    console.error('This benchmark needs wrk and nginx. Install them with:');
    console.error('  sudo apt-get install -y wrk nginx');
    return 1;
  }
  const fixedRate = options.scenarios.includes('http') && options.fixedRate !== 'off';
  if ((options.scenarios.includes('h2') || fixedRate) && h2load === undefined) {
    console.error('The h2 scenario and the fixed-rate run need h2load. Install it with:');
    console.error('  sudo apt-get install -y nghttp2-client');
    return 1;
  }
  installTrap(options.timeout * 1000);
  const dir = mkdtempSync(join(tmpdir(), 'pointsman-bench-proxy-'));
  let keep = true;
  onExit(() => {
    if (keep) console.error(`configs and logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  const loadBefore = load();
  const haproxy = options.haproxy ? findTool('haproxy') : undefined;
  if (options.haproxy && haproxy === undefined) {
    console.error(
      'haproxy is not installed (sudo apt-get install -y haproxy): measuring without it',
    );
  }
  const programs = { nginx, haproxy, openssl: findTool('openssl') };
  const started = await startTargets(options, programs, dir);
  for (const target of started.targets) await checkRouting(target, false);
  for (const target of started.tlsTargets) await checkRouting(target, true);
  for (const target of started.targets) console.error(idleMemory(target));
  const tools: LoadTools = {
    wrk,
    h2load,
    threads: options.threads,
    connections: options.connections,
    h2Connections: options.h2Connections,
    h2Streams: options.h2Streams,
    dir,
  };
  const context = {
    options,
    tools,
    backendPid: started.backend.master.pid ?? 0,
    ticksPerSecond: clockTicksPerSecond(),
  };
  const reports: string[] = [];
  for (const scenario of options.scenarios) {
    const targets = usesTls(scenario) ? started.tlsTargets : started.targets;
    const { text, rows } = await runScenario(scenario, targets, context);
    reports.push(text);
    if (scenario !== 'http' || options.fixedRate === 'off') continue;
    const saturation = rows.map((row) => row.summary.requestsPerSecond);
    const total = options.fixedRate === 'auto' ? autoRate(saturation) : options.fixedRate;
    const how =
      options.fixedRate === 'auto'
        ? `half the slowest saturation rate above, ${Math.min(...saturation).toFixed(0)} req/s`
        : '--fixed-rate';
    reports.push(await runFixedRate(targets, context, total, how));
  }
  await stopAll();
  console.log(`${header(options, tools, programs, loadBefore)}\n\n${reports.join('\n\n')}\n`);
  keep = false;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await stopAll();
    process.exit(1);
  },
);
