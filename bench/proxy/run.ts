// Proxy benchmark: nginx and pointsman in front of the same loopback backend, measured with wrk
// in alternating rounds. Run: `npm run bench:proxy` (node bench/proxy/run.ts --help for options).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTrap, onExit, stopAll } from './children.ts';
import { BENCH_HOST, writeManifests } from './manifests.ts';
import { get } from './net.ts';
import { startHaproxy } from './haproxy.ts';
import { startNginx, type Nginx } from './nginx.ts';
import { parseOptions, USAGE, type BenchOptions } from './options.ts';
import { serveArgs, startPointsman } from './pointsman.ts';
import { clockTicksPerSecond, cpuTicks, rssKiB, sampleMaxRss } from './proc-stats.ts';
import {
  formatRatios,
  formatRun,
  formatTable,
  summarize,
  type Role,
  type RunFigures,
  type Summary,
} from './report.ts';
import {
  loadCommand,
  runLoad,
  SCENARIO_TITLES,
  usesTls,
  type LoadTools,
  type ScenarioName,
} from './scenarios.ts';
import { writeCertificate } from './tls.ts';
import { findTool, versionOf } from './tools.ts';

const BODY = 'x'.repeat(100);

/** One proxy under test: where wrk sends requests and which process does the work. */
interface Target {
  readonly label: string;
  readonly role: Role;
  readonly port: number;
  readonly pid: number;
}

interface Context {
  readonly options: BenchOptions;
  readonly tools: LoadTools;
  readonly backendPid: number;
  readonly ticksPerSecond: number;
}

async function measure(
  target: Target,
  context: Context,
  scenario: ScenarioName,
): Promise<RunFigures> {
  const { options, ticksPerSecond, backendPid } = context;
  // h2load warms up inside the measured run; its CPU then counts over the warm-up too, which
  // only lowers the figure's precision, not its fairness: both proxies get the same.
  const warmup = scenario === 'h2' ? 0 : options.warmup;
  if (warmup > 0) await runLoad(scenario, context.tools, target.port, warmup, 0);
  const before = cpuTicks(target.pid);
  const backendBefore = cpuTicks(backendPid);
  const sampler = sampleMaxRss(target.pid);
  const wrk = await runLoad(
    scenario,
    context.tools,
    target.port,
    options.duration,
    scenario === 'h2' ? options.warmup : 0,
  );
  const rss = sampler.stop();
  const perRequest = (ticks: number): number => ((ticks / ticksPerSecond) * 1e6) / wrk.requests;
  return {
    wrk,
    cpuUsPerRequest: perRequest(cpuTicks(target.pid) - before),
    backendCpuUsPerRequest: perRequest(cpuTicks(backendPid) - backendBefore),
    rssMiB: rss / 1024,
  };
}

// Both proxies must route the bench host to the backend and refuse any other host.
async function checkRouting(target: Target, tls: boolean): Promise<void> {
  const hit = await get(target.port, BENCH_HOST, '/', tls);
  const miss = await get(target.port, 'unknown.example.com', '/', tls);
  if (hit.status !== 200 || hit.bytes !== BODY.length || miss.status !== 404) {
    throw new Error(
      `${target.label} does not route as expected: ${BENCH_HOST} gave ${String(hit.status)} ` +
        `(${String(hit.bytes)} bytes), another host gave ${String(miss.status)}`,
    );
  }
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
  return [
    `date: ${new Date().toISOString()}`,
    `command: node bench/proxy/run.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `pointsman ${commit}, node ${process.version}, ${versionOf(programs.nginx, ['-v'])}, ` +
      (programs.haproxy === undefined
        ? ''
        : `${versionOf(programs.haproxy, ['-v']).split(' - ')[0] ?? ''}, `) +
      `${versionOf(tools.wrk, ['-v']).split(' [')[0] ?? ''}${h2load}`,
    `pointsman ${serveArgs('DIR').slice(1).join(' ')}`,
    `${String(availableParallelism())} CPUs shared by the load tool, the proxy under test and the ` +
      `backend; 1-minute load average ${loadBefore} before the run, ${load()} after`,
    `${String(options.warmup)} s warm-up before each run, ${String(options.rounds)} rounds ` +
      `alternating, medians reported; RSS is the largest sample; CPU us/req is the proxy's own ` +
      `user+system time per request (per handshake in the handshake scenario)`,
    ...options.scenarios.map(
      (scenario) => `${scenario}: ${loadCommand(scenario, tools, options.duration)}`,
    ),
  ].join('\n');
}

interface Started {
  readonly backend: Nginx;
  /** Plain-HTTP listeners. */
  readonly targets: Target[];
  /** HTTPS listeners (HTTP/1.1 and HTTP/2), when a TLS scenario runs. */
  readonly tlsTargets: Target[];
}

/** The programs the run uses beyond wrk. */
interface Programs {
  readonly nginx: string;
  readonly haproxy: string | undefined;
  readonly openssl: string | undefined;
}

async function startAll(options: BenchOptions, programs: Programs, dir: string): Promise<Started> {
  const { nginx, haproxy, openssl } = programs;
  const backend = await startNginx(nginx, 'backend', join(dir, 'backend'), { BODY });
  const backendPort = String(backend.port);
  const proxy = await startNginx(nginx, 'proxy', join(dir, 'nginx'), { BACKEND_PORT: backendPort });
  const targets: Target[] = [
    { label: 'nginx', role: 'nginx', port: proxy.port, pid: proxy.workerPid },
  ];
  if (haproxy !== undefined && options.scenarios.includes('http')) {
    const peer = await startHaproxy(haproxy, join(dir, 'haproxy'), backend.port);
    targets.push({ label: 'haproxy', role: 'haproxy', port: peer.port, pid: peer.pid });
  }
  const tlsTargets: Target[] = [];
  if (options.scenarios.some(usesTls)) {
    if (openssl === undefined) throw new Error('the TLS scenarios need openssl');
    mkdirSync(join(dir, 'nginx-tls'), { recursive: true });
    writeCertificate(openssl, join(dir, 'nginx-tls'), BENCH_HOST);
    const tls = await startNginx(nginx, 'proxy-tls', join(dir, 'nginx-tls'), {
      BACKEND_PORT: backendPort,
    });
    tlsTargets.push({ label: 'nginx', role: 'nginx', port: tls.port, pid: tls.workerPid });
  }
  writeManifests(join(dir, 'manifests'), backend.port, 0);
  const base = await startPointsman(join(dir, 'manifests'), join(dir, 'pointsman.log'), 60_000);
  targets.push({ label: 'pointsman', role: 'pointsman', port: base.port, pid: base.pid });
  if (tlsTargets.length > 0) {
    if (base.tlsPort === 0) throw new Error('this pointsman has no HTTPS listener');
    tlsTargets.push({ label: 'pointsman', role: 'pointsman', port: base.tlsPort, pid: base.pid });
  }
  if (options.telemetry && options.scenarios.includes('http')) {
    const manifests = join(dir, 'manifests');
    const off = await startPointsman(manifests, join(dir, 'pointsman-off.log'), 60_000, {
      kind: 'off',
    });
    targets.push({
      label: 'pointsman, no metrics',
      role: 'telemetry-off',
      port: off.port,
      pid: off.pid,
    });
    const on = await startPointsman(manifests, join(dir, 'pointsman-on.log'), 60_000, {
      kind: 'on',
      accessLog: join(dir, 'access.log'),
    });
    targets.push({
      label: 'pointsman, metrics + access log',
      role: 'telemetry-on',
      port: on.port,
      pid: on.pid,
    });
  }
  if (options.routes > 0 && options.scenarios.includes('http')) {
    const started = Date.now();
    writeManifests(join(dir, 'manifests-many'), backend.port, options.routes);
    const many = await startPointsman(
      join(dir, 'manifests-many'),
      join(dir, 'pointsman-many.log'),
      options.timeout * 500,
    );
    const label = `pointsman, +${options.routes.toLocaleString('en')} Ingresses`;
    console.error(`${label}: ready ${String(Date.now() - started)} ms after start`);
    targets.push({ label, role: 'many-routes', port: many.port, pid: many.pid });
  }
  return { backend, targets, tlsTargets };
}

/** Measures every target of one scenario in alternating rounds; the report of the scenario. */
async function runScenario(
  scenario: ScenarioName,
  targets: readonly Target[],
  context: Context,
): Promise<string> {
  const runs = new Map(targets.map((target) => [target, [] as RunFigures[]]));
  for (let round = 1; round <= context.options.rounds; round++) {
    for (const target of targets) {
      const figures = await measure(target, context, scenario);
      runs.get(target)?.push(figures);
      console.error(formatRun(`${scenario}, round ${String(round)}, ${target.label}`, figures));
    }
  }
  const summaries = targets.map((target) => summarize(target.label, runs.get(target) ?? []));
  const byRole = new Map<Role, Summary>();
  targets.forEach((target, i) => {
    const row = summaries[i];
    if (row !== undefined) byRole.set(target.role, row);
  });
  const backendCost = summaries.map((row) => row.backendCpuUsPerRequest.toFixed(1)).join(' / ');
  return [
    `### ${SCENARIO_TITLES[scenario]}`,
    '',
    formatTable(summaries),
    '',
    formatRatios(byRole),
    `backend nginx worker CPU us/req (same rows): ${backendCost}`,
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
  if (options.scenarios.includes('h2') && h2load === undefined) {
    console.error('The h2 scenario needs h2load. Install it with:');
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
  const started = await startAll(options, programs, dir);
  for (const target of started.targets) await checkRouting(target, false);
  for (const target of started.tlsTargets) await checkRouting(target, true);
  for (const target of started.targets) {
    console.error(`${target.label}: idle RSS ${(rssKiB(target.pid) / 1024).toFixed(1)} MiB`);
  }
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
    backendPid: started.backend.workerPid,
    ticksPerSecond: clockTicksPerSecond(),
  };
  const reports: string[] = [];
  for (const scenario of options.scenarios) {
    const targets = usesTls(scenario) ? started.tlsTargets : started.targets;
    reports.push(await runScenario(scenario, targets, context));
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
