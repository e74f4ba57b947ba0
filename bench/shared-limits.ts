// What limit-rps and limit-connections cost per request, with one worker (counted in the
// process) and with two (counted in the control plane's shared limit service), beside nginx
// with the same worker counts and its limit_req / limit_conn zones in shared memory. Each proxy
// routes two hosts to one nginx backend on loopback: open.example.com without limits and
// limited.example.com with limits no run reaches (every request counted, none refused). wrk
// drives each host in alternating rounds; CPU is read from /proc for each proxy's process tree.
// Run: `node bench/shared-limits.ts [--rounds N] [--duration S] [--workers 1,2]`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installTrap, onExit, stopAll, stopChild } from './proxy/children.ts';
import { benchIngress, benchObjects } from './proxy/manifests.ts';
import { startNginx } from './proxy/nginx.ts';
import { startPointsman } from './proxy/pointsman.ts';
import { clockTicksPerSecond, cpuTicks, treeCpuTicks } from './proxy/proc-stats.ts';
import { median } from './proxy/report.ts';
import { BODY } from './proxy/targets.ts';
import { findTool, versionOf } from './proxy/tools.ts';
import { runWrk } from './proxy/wrk.ts';

const HOSTS = ['open.example.com', 'limited.example.com'] as const;
const A = 'nginx.ingress.kubernetes.io';

function manifests(backendPort: number): string {
  return benchObjects(backendPort, [
    benchIngress('open', HOSTS[0]),
    benchIngress('limited', HOSTS[1], `${A}/limit-rps: '1000000', ${A}/limit-connections: '60000'`),
  ]);
}

interface Target {
  readonly label: string;
  readonly port: number;
  readonly pid: number;
}

interface Figures {
  readonly rps: number;
  readonly p99: number;
  readonly cpuUs: number;
  /** Of which the process started (pointsman's control plane, nginx's master). */
  readonly rootCpuUs: number;
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    workers: { type: 'string', default: '1,2' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.duration);
const workerCounts = values.workers.split(',').map(Number);
if (
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  rounds > 10 ||
  !Number.isInteger(seconds) ||
  seconds < 2 ||
  seconds > 60 ||
  workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 8)
) {
  throw new Error('--rounds 1-10, --duration 2-60 (seconds), --workers a list of 1-8');
}
const wrk = findTool('wrk');
const nginx = findTool('nginx');
if (wrk === undefined || nginx === undefined) {
  throw new Error('needs wrk and nginx: sudo apt-get install -y wrk nginx-light');
}
// Every run (and a warm-up of 2 s each) plus a minute to start and stop.
installTrap((workerCounts.length * 2 * HOSTS.length * rounds * (seconds + 2 + 15) + 60) * 1000);
const dir = mkdtempSync(join(tmpdir(), 'pointsman-shared-limits-'));
onExit(() => {
  rmSync(dir, { recursive: true, force: true });
});

const backend = await startNginx(nginx, 'backend', join(dir, 'backend'), { BODY }, 1);
const manifestDir = join(dir, 'manifests');
mkdirSync(manifestDir);
writeFileSync(join(manifestDir, 'bench.yaml'), manifests(backend.port));
const targets: Target[] = [];
for (const workers of workerCounts) {
  const proxy = await startNginx(
    nginx,
    'proxy-limits',
    join(dir, `nginx-${String(workers)}`),
    { BACKEND_PORT: String(backend.port) },
    workers,
  );
  targets.push({
    label: `nginx w${String(workers)}`,
    port: proxy.port,
    pid: proxy.master.pid ?? 0,
  });
  const pointsman = await startPointsman(
    manifestDir,
    join(dir, `pointsman-${String(workers)}.log`),
    30_000,
    { workers, telemetry: { kind: 'off' } },
  );
  targets.push({
    label: `pointsman w${String(workers)}`,
    port: pointsman.port,
    pid: pointsman.pid,
  });
}

const ticksPerSecond = clockTicksPerSecond();
const runs = new Map<string, Figures[]>();
const loadBefore = loadavg()[0]?.toFixed(2) ?? '?';
for (let round = 1; round <= rounds; round++) {
  for (const target of targets) {
    for (const host of HOSTS) {
      const load = { wrk, port: target.port, host, threads: 2, connections: 50 };
      await runWrk({ ...load, seconds: 2 });
      const before = treeCpuTicks(target.pid);
      const rootBefore = cpuTicks(target.pid);
      const result = await runWrk({ ...load, seconds });
      const ticks = treeCpuTicks(target.pid) - before;
      const rootTicks = cpuTicks(target.pid) - rootBefore;
      if (result.non2xx > 0 || result.socketErrors !== undefined) {
        throw new Error(
          `${target.label} ${host}: ${String(result.non2xx)} non-2xx, errors ${String(result.socketErrors)}`,
        );
      }
      const key = `${target.label}\0${host}`;
      const figures = runs.get(key) ?? [];
      figures.push({
        rps: result.requestsPerSecond,
        p99: result.p99Ms,
        cpuUs: ((ticks / ticksPerSecond) * 1e6) / result.requests,
        rootCpuUs: ((rootTicks / ticksPerSecond) * 1e6) / result.requests,
      });
      runs.set(key, figures);
    }
  }
}
await stopChild(backend.master);
await stopAll();

const lines = [
  `limits per request: wrk -t2 -c50 -d${String(seconds)}s, median of ${String(rounds)} rounds; ` +
    `${versionOf(nginx, ['-v'])}; load ${loadBefore} before, ${loadavg()[0]?.toFixed(2) ?? '?'} after`,
  '',
  '| proxy | host | req/s | p99 ms | CPU us/req | of which the first process | CPU limited / open |',
  '|---|---|--:|--:|--:|--:|--:|',
];
for (const target of targets) {
  const of = (host: string): Figures[] => runs.get(`${target.label}\0${host}`) ?? [];
  const cpu = (host: string): number => median(of(host).map((f) => f.cpuUs));
  for (const host of HOSTS) {
    const figures = of(host);
    const ratio = host === HOSTS[1] ? (cpu(HOSTS[1]) / cpu(HOSTS[0])).toFixed(2) : '';
    lines.push(
      `| ${target.label} | ${host.split('.')[0] ?? host} | ${median(figures.map((f) => f.rps)).toFixed(0)} | ` +
        `${median(figures.map((f) => f.p99)).toFixed(2)} | ${cpu(host).toFixed(1)} | ` +
        `${median(figures.map((f) => f.rootCpuUs)).toFixed(1)} | ${ratio} |`,
    );
  }
}
console.log(lines.join('\n'));
