// Does a flood of wrong passwords against a route with basic authentication stall other
// traffic? Starts `pointsman serve` with an open route (`/`) and a protected one (`/admin`,
// bcrypt at htpasswd's default cost 5, or --cost N), times requests to the open route alone,
// then again while FLOOD connections (from a child process, so that the probe's own event loop
// stays idle) send wrong passwords to /admin as fast as they are answered, and prints p50/p99 of each, what the flood got (401s, 503 PM_ERR_AUTH_BUSY), and
// how a known user fares during the flood (first request pays bcrypt or is refused; later ones
// hit the verified-credentials cache).
//
//   node bench/basic-auth-flood.ts [--seconds 5] [--flood 64] [--cost 5] [--control]
//
// --control floods the open route instead, with as many connections and no password: what any
// flood of that size costs on the same machine, to compare with.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import bcrypt from 'bcryptjs';
import { startEchoUpstream } from '../test/helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../test/helpers/manifests.ts';
import { startServeProcess } from '../test/helpers/serve-process.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    flood: { type: 'string', default: '64' },
    cost: { type: 'string', default: '5' },
    // The control: flood the open route (no password to check) with as many connections.
    control: { type: 'boolean', default: false },
    // Internal: run as the flooding child against this origin.
    'flood-child': { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const FLOOD = Number(values.flood);
const COST = Number(values.cost);
const HOST = 'flood.example.com';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

if (values['flood-child'] !== undefined) {
  await floodChild(values['flood-child']);
  process.exit(0);
}

/** The flood: FLOOD connections sending wrong passwords for SECONDS; counts on stdout. */
async function floodChild(target: string): Promise<void> {
  const agent = new Agent({ connections: FLOOD, pipelining: 1 });
  const counts: Record<string, number> = {};
  const end = performance.now() + SECONDS * 1000;
  const authorization = basic('alice', 'wrong');
  await Promise.all(
    Array.from({ length: FLOOD }, async () => {
      for (let i = 0; performance.now() < end && i < 10_000_000; i++) {
        const reply = await request(`${target}${values.control ? '/flood' : '/admin'}`, {
          dispatcher: agent,
          headers: { host: HOST, authorization },
        });
        await reply.body.dump();
        const code = reply.headers['x-pointsman-error'];
        const key = `${String(reply.statusCode)} ${typeof code === 'string' ? code : ''}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }),
  );
  await agent.close();
  process.stdout.write(JSON.stringify(counts));
}

const upstream = await startEchoUpstream('backend');
const dir = await manifestDir();
await writeManifests(join(dir, 'all.yaml'), [
  INGRESS_CLASS,
  ingressWith({ name: 'open', hosts: [HOST], paths: [{ path: '/', service: 'backend' }] }),
  ingressWith({
    name: 'admin',
    hosts: [HOST],
    paths: [{ path: '/admin', service: 'backend' }],
    annotations: {
      'nginx.ingress.kubernetes.io/auth-type': 'basic',
      'nginx.ingress.kubernetes.io/auth-secret': 'users',
    },
  }),
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'users', namespace: 'default' },
    data: {
      auth: Buffer.from(
        `alice:${bcrypt.hashSync('right', COST).replace('$2b$', '$2y$')}\n`,
      ).toString('base64'),
    },
  },
  ...serviceWithEndpoints('backend', [upstream.port]),
]);
const serve = await startServeProcess('serve', ['--manifests', dir, '--access-log', 'off']);
const origin = `http://127.0.0.1:${String(serve.httpPort)}`;
const dispatcher = new Agent({ connections: 4, pipelining: 1 });

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code: string; ms: number }> {
  const start = performance.now();
  const reply = await request(`${origin}${path}`, {
    dispatcher,
    headers: { host: HOST, ...headers },
  });
  await reply.body.dump();
  const code = reply.headers['x-pointsman-error'];
  return {
    status: reply.statusCode,
    code: typeof code === 'string' ? code : '',
    ms: performance.now() - start,
  };
}

/** Sequential requests to the open route for `seconds`: their latencies. */
async function probeOpen(seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && latencies.length < 1_000_000) {
    const reply = await get('/open');
    if (reply.status !== 200) throw new Error(`open route answered ${String(reply.status)}`);
    latencies.push(reply.ms);
  }
  return latencies;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (latencies: number[]): string => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `${String(sorted.length)} requests, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
};

/** The serve process's event-loop delay since the last scrape (prom-client resets it). */
async function loopDelay(): Promise<string> {
  const reply = await request(`http://127.0.0.1:${String(serve.adminPort)}/metrics`);
  const text = await reply.body.text();
  const value = (name: string): string => {
    const match = new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text);
    return match === null ? '?' : (Number(match[1]) * 1000).toFixed(1);
  };
  return `event-loop delay p99 ${value('nodejs_eventloop_lag_p99_seconds')} ms, max ${value('nodejs_eventloop_lag_max_seconds')} ms`;
}

/**
 * CPU seconds used so far by the serve process's main thread alone (Linux: its task has the
 * process id) and by the whole process (hash workers included), from /proc; null elsewhere.
 */
async function cpuSeconds(): Promise<{ main: number; all: number } | null> {
  const pid = serve.child.pid;
  if (pid === undefined) return null;
  const ticks = async (path: string): Promise<number> => {
    const fields = (await readFile(path, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  try {
    return {
      main: await ticks(`/proc/${String(pid)}/task/${String(pid)}/stat`),
      all: await ticks(`/proc/${String(pid)}/stat`),
    };
  } catch {
    return null;
  }
}
const cpuOver = async (
  before: { main: number; all: number } | null,
  seconds: number,
): Promise<string> => {
  const after = await cpuSeconds();
  if (before === null || after === null) return 'cpu n/a';
  const share = (value: number): string => `${((value / seconds) * 100).toFixed(0)}%`;
  return `main thread ${share(after.main - before.main)} of a core, whole process ${share(after.all - before.all)}`;
};

await probeOpen(1); // warm-up
await loopDelay();
const baselineCpu = await cpuSeconds();
const baseline = await probeOpen(SECONDS);
const baselineLoop = await loopDelay();
const baselineCpuShare = await cpuOver(baselineCpu, SECONDS);

const child = spawn(
  process.execPath,
  [
    import.meta.filename,
    '--flood-child',
    origin,
    '--seconds',
    String(SECONDS + 1),
    '--flood',
    String(FLOOD),
    ...(values.control ? ['--control'] : []),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let childOut = '';
child.stdout.on('data', (chunk: Buffer) => (childOut += chunk.toString()));
const childDone = new Promise((resolve) => child.once('exit', resolve));
// Let the flood fill the queue before measuring.
await new Promise((resolve) => setTimeout(resolve, 500));
const phase = { flooding: true };
const known: { status: number; ms: number }[] = [];
const knownUser = (async () => {
  for (let i = 0; phase.flooding && i < 1_000_000; i++) {
    const reply = await get('/admin', { authorization: basic('alice', 'right') });
    known.push(reply);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
await loopDelay();
const duringCpu = await cpuSeconds();
const during = await probeOpen(SECONDS);
const duringLoop = await loopDelay();
const duringCpuShare = await cpuOver(duringCpu, SECONDS);
phase.flooding = false;
await Promise.all([knownUser, childDone]);
const counts = new Map(Object.entries(JSON.parse(childOut || '{}') as Record<string, number>));
// The queue drains: a wrong password after the flood is checked again (401), not refused (503).
const afterFlood = await get('/admin', { authorization: basic('alice', 'after') });

const floodTotal = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(
  `bcrypt cost ${String(COST)}, ${String(FLOOD)} flooding connections, ${String(SECONDS)} s each`,
);
console.log(`open route alone:        ${summary(baseline)}; serve ${baselineLoop}`);
console.log(`                         serve ${baselineCpuShare}`);
console.log(`open route under flood:  ${summary(during)}; serve ${duringLoop}`);
console.log(`                         serve ${duringCpuShare}`);
console.log(
  `flood answers: ${String(floodTotal)} (${(floodTotal / (SECONDS + 1)).toFixed(0)}/s): ${[
    ...counts,
  ]
    .map(([key, count]) => `${key.trim()} x${String(count)}`)
    .join(', ')}`,
);
const firstOk = known.findIndex((reply) => reply.status === 200);
const afterFirst = known.slice(firstOk + 1).filter((reply) => reply.status === 200);
console.log(
  `known user during flood: ${String(known.length)} requests, first 200 at #${String(firstOk + 1)} ` +
    `(${
      known
        .slice(0, Math.max(0, firstOk))
        .map((reply) => String(reply.status))
        .join(',') || 'no refusals'
    } before), then ${summary(afterFirst.map((reply) => reply.ms))}`,
);

console.log(`a wrong password after the flood: ${String(afterFlood.status)} ${afterFlood.code}`);
await dispatcher.close();
await serve.stop();
await upstream.close();
