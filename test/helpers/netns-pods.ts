import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { AddressUpstreams } from '../kubernetes/address-upstreams.ts';
import {
  createNetwork,
  deleteNetwork,
  deleteNetworkSync,
  alive,
  IP,
  sweepLeftovers,
  type NetnsNetwork,
} from './netns-network.ts';
import { RequestCounts, sweepCountDirs } from './netns-request-counts.ts';

/**
 * Echo servers in network namespaces of their own, one per "Pod", reachable from the root
 * namespace at 10.231.X.2, .3, ... on one port: addresses that an API server accepts in an
 * EndpointSlice, unlike the loopback ones of {@link AddressUpstreams}, with the same answers.
 */
export interface NetnsPods extends AddressUpstreams {
  /** The namespaces, veths and bridge, by name, and the subnet. */
  readonly network: NetnsNetwork;
  /** Makes the Pod at `address` close its listener and connections: it then refuses connections. */
  stop(address: string): Promise<void>;
  /** Makes a stopped Pod listen again on the same port. */
  start(address: string): Promise<void>;
}

/** The Pods' program, run as `node -e` (see the file for why). */
const ECHO_SERVER = readFileSync(new URL('./netns-echo-server.ts', import.meta.url), 'utf8');
const REPLY_TIMEOUT_MS = 10_000;

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (IP === null) return 'no iproute2 `ip` (Debian package iproute2)';
  // Root in an unprivileged container cannot make namespaces: try once.
  const probe = `pm${String(process.pid)}x0p`;
  try {
    execFileSync(IP, ['netns', 'add', probe], { stdio: 'pipe', timeout: 10_000 });
    execFileSync(IP, ['netns', 'del', probe], { stdio: 'pipe', timeout: 10_000 });
    return false;
  } catch (error) {
    return `cannot make a network namespace: ${String(error)}`;
  }
}

/**
 * The `skip` option of suites that need {@link startNetnsPods}: skipped on a developer machine
 * without root or iproute2, run (and so failing) under CI, which must have both.
 */
export const NETNS_SKIP: string | false = process.env['CI'] === undefined ? skipReason() : false;

/** One Pod's echo server process and the replies it is awaited for. */
interface Pod {
  readonly address: string;
  readonly namespace: string;
  child: ChildProcess | null;
  stderr: string;
  waiters: { word: string; resolve: (line: string) => void; reject: (error: Error) => void }[];
}

/** Fixtures not closed yet: the exit hook and the signal handlers clean up what they hold. */
const live = new Set<{ pods: Pod[]; network: NetnsNetwork; counts: RequestCounts }>();
let fixtures = 0;
let swept: Promise<string[]> | null = null;

function cleanUpSync(): void {
  for (const fixture of live) {
    for (const pod of fixture.pods) pod.child?.kill('SIGKILL');
    deleteNetworkSync(fixture.network);
    fixture.counts.remove();
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUpSync();
  process.off(signal, onSignal);
  // Alone (node:test installs no such listener), die of the signal as without us; with other
  // listeners, leave the decision to them.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  process.once('exit', cleanUpSync);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/** Waits (bounded) for the next line of `pod` that starts with `word`. */
function reply(pod: Pod, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${pod.address}: no "${word}" in ${String(REPLY_TIMEOUT_MS)} ms`));
    }, REPLY_TIMEOUT_MS);
    pod.waiters.push({
      word,
      resolve: (line) => {
        clearTimeout(timer);
        resolve(line);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
}

async function command(pod: Pod, text: string, word: string): Promise<string> {
  const answered = reply(pod, word);
  (pod.child?.stdin as Writable).write(`${text}\n`);
  return answered;
}

/** Starts the echo server of `pod` on `port` in its namespace; resolves once it listens (10 s). */
async function spawnPod(pod: Pod, port: number, counts: RequestCounts): Promise<void> {
  const child = spawn(
    IP ?? 'ip',
    [
      ...['netns', 'exec', pod.namespace, process.execPath, '-e', ECHO_SERVER],
      ...[pod.address, String(port), counts.file(pod.address)],
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  pod.child = child;
  const { stdin, stdout, stderr } = child;
  // A command to a Pod that has died fails through the exit below, not as an EPIPE crash.
  stdin.on('error', () => undefined);
  stderr.on('data', (chunk: Buffer) => (pod.stderr += chunk.toString()));
  createInterface({ input: stdout }).on('line', (line) => {
    const index = pod.waiters.findIndex((waiter) => line.startsWith(waiter.word));
    const [waiter] = pod.waiters.splice(index, index < 0 ? 0 : 1);
    waiter?.resolve(line);
  });
  const fail = (error: Error) => {
    for (const waiter of pod.waiters.splice(0)) waiter.reject(error);
  };
  child.once('error', fail);
  child.once('exit', (code, signal) => {
    fail(new Error(`Pod ${pod.address} exited (${String(code ?? signal)}): ${pod.stderr.trim()}`));
  });
  await reply(pod, 'listening').catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  // A test that forgets close() must still be able to exit (the exit hook then cleans up);
  // every wait on a Pod holds a timer of its own.
  child.unref();
  for (const stream of [stdin, stdout, stderr]) (stream as unknown as { unref(): void }).unref();
}

/**
 * Deletes the namespaces, interfaces and count directories that fixtures of test processes
 * no longer running left behind (SIGKILL runs no hook), and ends their Pods; resolves with
 * their names. {@link startNetnsPods} does it once per process.
 */
export async function sweepNetnsLeftovers(): Promise<string[]> {
  return [...(await sweepLeftovers()), ...sweepCountDirs(alive)];
}

/**
 * A port number no socket in the root namespace holds now (the Pods' port: any number would do
 * in their new namespaces, and this one makes a stray request to it in the root namespace most
 * likely refused rather than answered by something else).
 */
function unusedRootPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Starts `count` (1 to 99) Pods in network namespaces of their own, each an echo server on the
 * same port answering every request with 200, `text/plain` and its own address. Run as root
 * with iproute2 (see {@link NETNS_SKIP}). First deletes what earlier test processes that died
 * without cleaning up left behind. `close()` deletes everything; so does exiting without it.
 */
export async function startNetnsPods(count: number): Promise<NetnsPods> {
  swept ??= sweepNetnsLeftovers();
  await swept;
  if (fixtures === 0) installHooks();
  fixtures += 1;
  const network = await createNetwork(
    `pm${String(process.pid)}x${String(fixtures)}`,
    fixtures,
    count,
  );
  const pods: Pod[] = network.addresses.map((address, i) => ({
    address,
    namespace: network.namespaces[i] ?? '',
    child: null,
    stderr: '',
    waiters: [],
  }));
  const counts = new RequestCounts(network.prefix, network.addresses);
  const fixture = { pods, network, counts };
  live.add(fixture);
  const byAddress = (address: string): Pod => {
    const pod = pods.find((candidate) => candidate.address === address);
    if (pod === undefined) throw new Error(`no Pod at ${address}`);
    return pod;
  };
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(
        fixture.pods.map(async ({ child }) => {
          if (child === null || child.exitCode !== null || child.signalCode !== null) return;
          // Referenced again: the process must not exit before the Pods and the network are gone.
          child.ref();
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }),
      );
      await deleteNetwork(network);
      counts.remove();
      // Only now: until here the exit hook still has it to clean up.
      live.delete(fixture);
    })();
    return closing;
  };
  let port: number;
  try {
    // Each namespace is new, so any number is free in all of them and they start at once.
    port = await unusedRootPort();
    await Promise.all(pods.map((pod) => spawnPod(pod, port, counts)));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    port,
    addresses: network.addresses,
    requests: counts,
    network,
    stop: async (address) => {
      await command(byAddress(address), 'stop', 'stopped');
    },
    start: async (address) => {
      await command(byAddress(address), 'start', 'listening');
    },
    close,
  };
}
