import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_NODE_FLAGS } from '../../src/workers/worker-flags.ts';
import { killOnExit } from '../proxy/children.ts';
import { freePort } from '../proxy/net.ts';
import { childPids, rssKiB } from '../proxy/proc-stats.ts';
import { getAnswer, pollSince } from './http.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'pointsman.js');

/**
 * The Node flags the serve process starts with: the image's ({@link IMAGE_NODE_FLAGS}), so that
 * the control plane is measured as it runs in a Pod, or SCALE_NODE_FLAGS (space-separated; empty
 * for Node's defaults, as `npx pointsman serve` starts).
 */
function nodeFlags(): string[] {
  const chosen = process.env['SCALE_NODE_FLAGS'];
  return chosen === undefined ? [...IMAGE_NODE_FLAGS] : chosen.split(' ').filter(Boolean);
}

/** A running `pointsman serve` and the ports it was given. */
export interface Serve {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly httpPort: number;
  readonly adminPort: number;
  /** performance.now() at spawn. */
  readonly startedAt: number;
}

/**
 * Spawns `pointsman serve SOURCE_ARGS` on free loopback ports, access log off, its output
 * appended to `logFile`. Ports are picked here rather than with port 0 so that the benchmark
 * needs nothing from the log.
 */
export async function spawnServe(sourceArgs: readonly string[], logFile: string): Promise<Serve> {
  const [httpPort, adminPort, statusPort, httpsPort] = await Promise.all(
    [1, 2, 3, 4].map(() => freePort()),
  );
  const args = [
    ...nodeFlags(),
    CLI,
    'serve',
    ...sourceArgs,
    ...['--http-port', String(httpPort), '--bind', '127.0.0.1'],
    ...['--https-port', String(httpsPort)],
    ...['--admin-port', String(adminPort), '--admin-bind', '127.0.0.1'],
    ...['--status-port', String(statusPort)],
    ...['--access-log', 'off', '--log-level', process.env['SCALE_LOG_LEVEL'] ?? 'info'],
    ...['--shutdown-grace', '1s'],
    // SCALE_WORKERS=N: the data plane in N worker processes (serve --workers N); default 1.
    ...['--workers', process.env['SCALE_WORKERS'] ?? '1'],
  ];
  const fd = openSync(logFile, 'a');
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  killOnExit(child.pid ?? 0);
  return {
    child,
    pid: child.pid ?? 0,
    httpPort: httpPort ?? 0,
    adminPort: adminPort ?? 0,
    startedAt,
  };
}

/**
 * Milliseconds from spawn to /readyz answering 200 and `host` `path` answering `body` through
 * the proxy, or undefined when that did not happen within `timeoutMs` (or the process died).
 */
export async function untilReady(
  serve: Serve,
  host: string,
  body: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const alive = (): boolean => serve.child.exitCode === null && serve.child.signalCode === null;
  const limits = { timeoutMs, maxPolls: Math.ceil(timeoutMs / 10), intervalMs: 10 };
  const ready = await pollSince(
    serve.startedAt,
    async () =>
      !alive() || (await getAnswer(serve.adminPort, '127.0.0.1', '/readyz')).status === 200,
    limits,
  );
  if (ready === undefined || !alive()) return undefined;
  return pollSince(
    serve.startedAt,
    async () => !alive() || (await getAnswer(serve.httpPort, host, '/')).body === body,
    limits,
  ).then((ms) => (alive() ? ms : undefined));
}

/** What a serve holds, KiB: all its processes, and the control plane (the serve process) alone. */
export interface ServeRss {
  readonly treeKiB: number;
  readonly controlPlaneKiB: number;
}

/** The RSS of the serve process `pid` and of its worker processes. */
export function serveRss(pid: number): ServeRss {
  return { treeKiB: treeRssKiB(pid), controlPlaneKiB: rssKiB(pid) };
}

/** RSS of `pid` and every process below it, KiB (worker processes count too, if there are any). */
function treeRssKiB(pid: number): number {
  let total = 0;
  const queue = [pid];
  for (let seen = 0; seen < 1000 && queue.length > 0; seen++) {
    const next = queue.shift() ?? 0;
    total += rssKiB(next);
    queue.push(...childPids(next));
  }
  return total;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopServe(serve: Serve, graceMs = 5_000): Promise<void> {
  const { child } = serve;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
