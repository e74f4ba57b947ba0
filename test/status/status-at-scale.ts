// Measures how long the leader takes to publish its address on many new Ingresses, against the
// in-repo fake API server (in a child process), through the real pipeline of `serve` in cluster
// mode: watch -> store -> control loop -> status writer -> client-node -> HTTP. Then a second
// replica takes over and must write nothing, since every status is already right.
//
//   npx node test/status/status-at-scale.ts [--ingresses 10000] [--reject-every 100]
//       [--mode new|existing] [--status-write-rate N] [--status-write-burst N] [--timeout 600]
//
// Prints one JSON object per phase. Not part of the suite (a run at 10,000 takes minutes);
// test/status/status-rate.test.ts is the suite's small version.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STATUS_FLAGS, statusSettingsFrom } from '../../src/cli/status-flags.ts';
import { ControlLoop } from '../../src/control/index.ts';
import { createLogger, silentLogger } from '../../src/observability/index.ts';
import { KubernetesSource, connectKubeApi } from '../../src/sources/kubernetes/index.ts';
import {
  connectStatusClient,
  startStatus,
  type RunningStatus,
  type StatusClient,
} from '../../src/status/index.ts';
import { ObjectStore } from '../../src/store/index.ts';
import type { ScaleApiRequest, ScaleCounts } from './scale/api-child.ts';

const { values } = parseArgs({
  options: {
    ingresses: { type: 'string', default: '10000' },
    'reject-every': { type: 'string', default: '100' },
    timeout: { type: 'string', default: '600' },
    mode: { type: 'string', default: 'new' },
    'status-write-rate': STATUS_FLAGS['status-write-rate'],
    'status-write-burst': STATUS_FLAGS['status-write-burst'],
  },
});
const count = Number(values.ingresses);
const rejectEvery = Number(values['reject-every']);
const existing = values.mode === 'existing';
const deadline = performance.now() + Number(values.timeout) * 1000;
const settings = statusSettingsFrom(
  {
    'publish-status-address': '203.0.113.10',
    'election-namespace': 'pointsman',
    'retry-period': '1s',
    'renew-deadline': '5s',
    'lease-duration': '8s',
    ...(values['status-write-rate'] === undefined
      ? {}
      : { 'status-write-rate': values['status-write-rate'] }),
    ...(values['status-write-burst'] === undefined
      ? {}
      : { 'status-write-burst': values['status-write-burst'] }),
  },
  { env: {}, readFile: () => undefined, hostname: () => 'scale' },
);
const rejected = rejectEvery > 0 ? Math.floor(count / rejectEvery) : 0;

const dir = await mkdtemp(join(tmpdir(), 'pointsman-status-scale-'));
const child = fork(join(import.meta.dirname, 'scale', 'api-child.ts'), [dir], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  execArgv: ['--max-old-space-size=4096'],
});
const pending = new Map<number, (reply: { value?: unknown; error?: string }) => void>();
child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
  pending.get(message.id)?.(message);
  pending.delete(message.id);
});
child.once('exit', (code) => {
  for (const resolve of pending.values())
    resolve({ error: `the API child exited (${String(code)})` });
});
let nextId = 1;
async function call<T>(
  request: ScaleApiRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never,
): Promise<T> {
  const id = nextId++;
  const reply = await new Promise<{ value?: unknown; error?: string }>((resolve) => {
    pending.set(id, resolve);
    child.send({ ...request, id });
  });
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.value as T;
}
const kubeconfig = await new Promise<string>((resolve, reject) => {
  pending.set(0, (reply) => {
    if (typeof reply.value === 'string') resolve(reply.value);
    else reject(new Error(reply.error ?? 'no kubeconfig'));
  });
});

/** Latency of each status update, and the most in flight at once. */
const puts = { latencies: [] as number[], inFlight: 0, mostInFlight: 0 };
function timed(client: StatusClient): StatusClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // The client keeps private fields: its methods must run on it, not on the proxy.
      if (property !== 'updateIngressStatus') return (value as () => unknown).bind(target);
      return async (...args: unknown[]) => {
        const started = performance.now();
        puts.inFlight++;
        puts.mostInFlight = Math.max(puts.mostInFlight, puts.inFlight);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          puts.inFlight--;
          puts.latencies.push(performance.now() - started);
        }
      };
    },
  });
}

interface Controller {
  readonly status: RunningStatus;
  rebuilds: number;
  stop(): Promise<void>;
}

async function controller(identity: string): Promise<Controller> {
  const logger =
    process.env['SCALE_LOG'] === undefined
      ? silentLogger()
      : createLogger({ level: process.env['SCALE_LOG'] });
  const store = new ObjectStore();
  const kubeApi = await connectKubeApi({ mode: 'kubeconfig', path: kubeconfig });
  const source = new KubernetesSource({ api: kubeApi, store, logger });
  const loop = new ControlLoop({ store, holder: { swap: () => true }, logger });
  source.start();
  await source.synced;
  loop.start();
  const client = timed(await connectStatusClient({ mode: 'kubeconfig', path: kubeconfig }));
  const status = startStatus({
    loop,
    client,
    settings: { ...settings, election: { ...settings.election, identity } },
    logger,
    lookupIngress: (namespace, name) => source.get('Ingress', namespace, name),
  });
  const handle: Controller = {
    status,
    rebuilds: 0,
    stop: async () => {
      await status.stop();
      await source.close();
      loop.close();
      store.close();
    },
  };
  loop.onRebuild(() => {
    handle.rebuilds++;
  });
  return handle;
}

async function until(what: string, check: () => boolean | Promise<boolean>, everyMs = 200) {
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

try {
  const create = async (): Promise<void> => {
    const chunk = 1_000;
    for (let from = 0; from < count; from += chunk) {
      await call({ op: 'create', from, count: Math.min(chunk, count - from), rejectEvery });
    }
  };
  // new: the leader runs, then the Ingresses are created. existing: they are there (without
  // status) before the first replica starts, as on installing pointsman in a busy cluster.
  if (existing) await create();
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const loadAtStart = loadavg()[0] ?? 0;
  const a = await controller('replica-a');
  await until('replica-a to lead', () => a.status.leading);
  if (!existing) await create();
  const created = performance.now();
  let last: ScaleCounts | null = null;
  await until('every accepted Ingress to get its address', async () => {
    last = await call<ScaleCounts>({ op: 'counts' });
    return last.withAddress >= count - rejected;
  });
  const addressed = performance.now();
  await until('the Warning Events', async () => {
    last = await call<ScaleCounts>({ op: 'counts' });
    return last.events >= rejected;
  });
  const sorted = [...puts.latencies].sort((x, y) => x - y);
  const first = last as ScaleCounts | null;
  console.log(
    JSON.stringify({
      phase: existing ? 'existing Ingresses, first leader starts' : 'new Ingresses, one leader',
      ingresses: count,
      rejected,
      writeRate: settings.writeRate,
      // new: the time to create them; existing: to start and lead.
      createSeconds: round((created - started) / 1000),
      allAddressedSeconds: round((addressed - started) / 1000),
      statusPuts: first?.statusPuts,
      eventPosts: first?.eventPosts,
      eventPatches: first?.eventPatches,
      events: first?.events,
      statusWrites: a.status.stats().statusWrites,
      rebuilds: a.rebuilds,
      putLatencyMs: {
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? 0),
      },
      mostPutsInFlight: puts.mostInFlight,
      // The controller's own CPU time (this process; the API server runs in another), and the
      // machine's 1-minute load average at the start and end: other work slows every figure.
      controllerCpuSeconds: round(
        (process.cpuUsage(cpuAtStart).user + process.cpuUsage(cpuAtStart).system) / 1e6,
      ),
      loadAverage: [round(loadAtStart), round(loadavg()[0] ?? 0)],
    }),
  );

  // Rebuilds while nothing changed for the writer: no status write, no Event.
  await call({ op: 'clear' });
  for (let i = 0; i < 5; i++) {
    await call({ op: 'edit', index: i * 7 });
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  await a.status.writer.idle();
  const steady = await call<ScaleCounts>({ op: 'counts' });
  console.log(
    JSON.stringify({
      phase: '5 edits later, same leader',
      rebuilds: a.rebuilds,
      statusPuts: steady.statusPuts,
      eventPosts: steady.eventPosts,
      eventPatches: steady.eventPatches,
      events: steady.events,
    }),
  );

  // Fail over: the new leader checks every Ingress against its watch cache.
  await call({ op: 'clear' });
  const b = await controller('replica-b');
  const stopped = performance.now();
  await a.stop();
  await until('replica-b to lead', () => b.status.leading);
  const leading = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await b.status.writer.idle();
  const idle = performance.now();
  const after = await call<ScaleCounts>({ op: 'counts' });
  console.log(
    JSON.stringify({
      phase: 'failover to a new leader',
      leadAfterSeconds: round((leading - stopped) / 1000),
      checkedAllSeconds: round((idle - leading) / 1000),
      statusPuts: after.statusPuts,
      eventPosts: after.eventPosts,
      eventPatches: after.eventPatches,
      events: after.events,
      withAddress: after.withAddress,
    }),
  );
  await b.stop();
} finally {
  child.disconnect();
  await rm(dir, { recursive: true, force: true });
  // A failed run leaves controllers with live timers and watches behind.
  process.exit(process.exitCode ?? 0);
}
