import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startHaproxy } from './haproxy.ts';
import { BENCH_HOST, writeManifests } from './manifests.ts';
import { get } from './net.ts';
import { startNginx, type Nginx } from './nginx.ts';
import type { BenchOptions } from './options.ts';
import { hasWorkersFlag, startPointsman, type Pointsman } from './pointsman.ts';
import type { Role } from './report.ts';
import { usesTls } from './scenarios.ts';
import { writeCertificate } from './tls.ts';

/** The backend's answer: 100 bytes, the same through every proxy. */
export const BODY = 'x'.repeat(100);

/** One proxy under test: where the load goes and which processes do the work. */
export interface Target {
  readonly label: string;
  readonly role: Role;
  /** Worker processes (nginx), worker threads (pointsman) or threads (HAProxy). */
  readonly workers: number;
  readonly port: number;
  /**
   * The proxy's first process (nginx's master): its CPU time and RSS are summed over this one
   * and its descendants (`processTree`).
   */
  readonly pid: number;
}

/** The programs the run uses beyond the load tools. */
export interface Programs {
  readonly nginx: string;
  readonly haproxy: string | undefined;
  readonly openssl: string | undefined;
}

/** Everything started for a run. */
export interface Started {
  readonly backend: Nginx;
  /** Plain-HTTP listeners. */
  readonly targets: Target[];
  /** HTTPS listeners (HTTP/1.1 and HTTP/2), when a TLS scenario runs. */
  readonly tlsTargets: Target[];
}

async function startNginxProxy(
  programs: Programs,
  name: 'proxy' | 'proxy-tls',
  dir: string,
  backend: Nginx,
  workers: number,
): Promise<Target> {
  if (name === 'proxy-tls') {
    if (programs.openssl === undefined) throw new Error('the TLS scenarios need openssl');
    mkdirSync(dir, { recursive: true });
    writeCertificate(programs.openssl, dir, BENCH_HOST);
  }
  const values = { BACKEND_PORT: String(backend.port) };
  const proxy = await startNginx(programs.nginx, name, dir, values, workers);
  const label = `nginx w${String(workers)}`;
  return { label, role: 'nginx', workers, port: proxy.port, pid: proxy.master.pid ?? 0 };
}

function pointsmanTarget(label: string, role: Role, workers: number, p: Pointsman): Target {
  return { label, role, workers, port: p.port, pid: p.pid };
}

/**
 * Starts, for each worker count, nginx (plain and, for the TLS scenarios, TLS) and pointsman
 * (one process serves both); then HAProxy with as many threads as the largest count, and the
 * http scenario's extra pointsman runs with the smallest count. The order of the targets is the
 * order of each round.
 */
export async function startTargets(
  options: BenchOptions,
  programs: Programs,
  dir: string,
): Promise<Started> {
  if (options.workers.some((n) => n !== 1) && !hasWorkersFlag()) {
    throw new Error('this `pointsman serve` has no --workers flag yet: run with --workers 1');
  }
  const http = options.scenarios.includes('http');
  const tls = options.scenarios.some(usesTls);
  const backend = await startNginx(programs.nginx, 'backend', join(dir, 'backend'), { BODY }, 1);
  const manifests = join(dir, 'manifests');
  writeManifests(manifests, backend.port, 0);
  const targets: Target[] = [];
  const tlsTargets: Target[] = [];
  for (const n of options.workers) {
    const w = `w${String(n)}`;
    if (http)
      targets.push(await startNginxProxy(programs, 'proxy', join(dir, `nginx-${w}`), backend, n));
    if (tls) {
      const tlsDir = join(dir, `nginx-tls-${w}`);
      tlsTargets.push(await startNginxProxy(programs, 'proxy-tls', tlsDir, backend, n));
    }
    const log = join(dir, `pointsman-${w}.log`);
    const base = await startPointsman(manifests, log, 60_000, { workers: n });
    if (http) targets.push(pointsmanTarget(`pointsman ${w}`, 'pointsman', n, base));
    if (tls) {
      if (base.tlsPort === 0) throw new Error('this pointsman has no HTTPS listener');
      tlsTargets.push({
        ...pointsmanTarget(`pointsman ${w}`, 'pointsman', n, base),
        port: base.tlsPort,
      });
    }
  }
  if (http) targets.push(...(await startExtras(options, programs, dir, backend)));
  return { backend, targets, tlsTargets };
}

// HAProxy, and pointsman without telemetry, with all of it, and with many more Ingresses.
async function startExtras(
  options: BenchOptions,
  programs: Programs,
  dir: string,
  backend: Nginx,
): Promise<Target[]> {
  const extras: Target[] = [];
  if (programs.haproxy !== undefined) {
    const threads = Math.max(...options.workers);
    const peer = await startHaproxy(programs.haproxy, join(dir, 'haproxy'), backend.port, threads);
    extras.push({
      label: 'haproxy',
      role: 'haproxy',
      workers: threads,
      port: peer.port,
      pid: peer.pid,
    });
  }
  const workers = Math.min(...options.workers);
  const w = `w${String(workers)}`;
  const manifests = join(dir, 'manifests');
  if (options.telemetry) {
    const off = await startPointsman(manifests, join(dir, 'pointsman-off.log'), 60_000, {
      workers,
      telemetry: { kind: 'off' },
    });
    extras.push(pointsmanTarget(`pointsman ${w}, no metrics`, 'telemetry-off', workers, off));
    const on = await startPointsman(manifests, join(dir, 'pointsman-on.log'), 60_000, {
      workers,
      telemetry: { kind: 'on', accessLog: join(dir, 'access.log') },
    });
    const label = `pointsman ${w}, metrics + access log`;
    extras.push(pointsmanTarget(label, 'telemetry-on', workers, on));
  }
  if (options.routes > 0) {
    const started = Date.now();
    writeManifests(join(dir, 'manifests-many'), backend.port, options.routes);
    const many = await startPointsman(
      join(dir, 'manifests-many'),
      join(dir, 'pointsman-many.log'),
      options.timeout * 500,
      { workers },
    );
    const label = `pointsman ${w}, +${options.routes.toLocaleString('en')} Ingresses`;
    console.error(`${label}: ready ${String(Date.now() - started)} ms after start`);
    extras.push(pointsmanTarget(label, 'many-routes', workers, many));
  }
  return extras;
}

/** Checks that `target` routes the bench host to the backend and refuses any other host. */
export async function checkRouting(target: Target, tls: boolean): Promise<void> {
  const hit = await get(target.port, BENCH_HOST, '/', tls);
  const miss = await get(target.port, 'unknown.example.com', '/', tls);
  if (hit.status !== 200 || hit.bytes !== BODY.length || miss.status !== 404) {
    throw new Error(
      `${target.label} does not route as expected: ${BENCH_HOST} gave ${String(hit.status)} ` +
        `(${String(hit.bytes)} bytes), another host gave ${String(miss.status)}`,
    );
  }
}
