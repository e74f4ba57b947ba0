import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killOnExit } from '../proxy/children.ts';
import { freePort } from '../proxy/net.ts';
import { childPids, rssKiB } from '../proxy/proc-stats.ts';
import { getAnswer, pollSince } from './http.ts';
import { EDITED_PATH, hostOf, type Backends } from './objects.ts';

/** What nginx did with the same N hosts. */
export interface NginxFigures {
  /** Wall time of `nginx -t`, ms. */
  readonly testMs: number;
  /** Spawn to the first host answering through it, ms (undefined: never within the limit). */
  readonly startMs: number | undefined;
  /** Master RSS after start and after the reloads, KiB. */
  readonly masterRssKiB: number;
  readonly masterRssAfterKiB: number;
  /** Master plus workers after start, KiB. */
  readonly totalRssKiB: number;
  /** `nginx -s reload` to the changed location answering, one per reload, ms (NaN: never). */
  readonly reloadMs: number[];
}

// The whole configuration: a catch-all 404 server, then one server per host with `/` to
// backend a and `/api` to backend a, or b for the hosts in `edited`. Only numbers and this
// benchmark's own host names go into it.
function render(
  dir: string,
  port: number,
  count: number,
  backends: Backends,
  edited: ReadonlySet<number>,
): string {
  const lines = [
    'worker_processes 1;',
    'daemon off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${dir}/client-body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    // ingress-nginx sizes these from the host names too; without them nginx refuses to start.
    `  server_names_hash_max_size ${String(2 ** Math.ceil(Math.log2(Math.max(512, count * 2))))};`,
    '  server_names_hash_bucket_size 128;',
    `  server { listen 127.0.0.1:${String(port)} default_server; return 404; }`,
  ];
  const a = `http://127.0.0.1:${String(backends.a)}`;
  const b = `http://127.0.0.1:${String(backends.b)}`;
  for (let index = 0; index < count; index++) {
    lines.push(
      `  server { listen 127.0.0.1:${String(port)}; server_name ${hostOf(index)};`,
      `    location / { proxy_pass ${a}; }`,
      `    location ${EDITED_PATH} { proxy_pass ${edited.has(index) ? b : a}; } }`,
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}

/**
 * Measures nginx (`nginxPath`) with the `count` hosts in `dir`: `nginx -t`, start, RSS, and for
 * each app of `reloadTargets` in turn, its `/api` moved to backend b, `nginx -s reload`, and the
 * time until the change answers. Every wait is bounded by `timeoutMs`.
 */
export async function measureNginx(
  nginxPath: string,
  dir: string,
  count: number,
  backends: Backends,
  reloadTargets: readonly number[],
  timeoutMs: number,
): Promise<NginxFigures> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  const edited = new Set<number>();
  writeFileSync(config, render(dir, port, count, backends, edited));
  const base = ['-p', `${dir}/`, '-c', config, '-e', join(dir, 'error.log')];
  const testStart = performance.now();
  const test = spawnSync(nginxPath, [...base, '-t'], { encoding: 'utf8', timeout: timeoutMs });
  const testMs = performance.now() - testStart;
  if (test.status !== 0) throw new Error(`nginx -t failed: ${test.stderr}`);
  const startedAt = performance.now();
  const master = spawn(nginxPath, base, { stdio: 'ignore' });
  const pid = master.pid ?? 0;
  killOnExit(pid);
  try {
    const limits = { timeoutMs, maxPolls: Math.ceil(timeoutMs / 10), intervalMs: 10 };
    const answers = async (index: number, path: string, body: string): Promise<boolean> =>
      (await getAnswer(port, hostOf(index), path)).body === body;
    const startMs = await pollSince(startedAt, () => answers(0, '/', 'backend-a'), limits);
    const workers = childPids(pid);
    for (const worker of workers) killOnExit(worker);
    const masterRssKiB = rssKiB(pid);
    const totalRssKiB = masterRssKiB + workers.reduce((sum, worker) => sum + rssKiB(worker), 0);
    const reloadMs: number[] = [];
    for (const index of reloadTargets) {
      edited.add(index);
      writeFileSync(config, render(dir, port, count, backends, edited));
      const since = performance.now();
      const reload = spawnSync(nginxPath, [...base, '-s', 'reload'], { timeout: timeoutMs });
      if (reload.status !== 0) throw new Error(`nginx -s reload failed: ${String(reload.stderr)}`);
      reloadMs.push(
        (await pollSince(since, () => answers(index, EDITED_PATH, 'backend-b'), limits)) ?? NaN,
      );
      for (const worker of childPids(pid)) killOnExit(worker);
    }
    return { testMs, startMs, masterRssKiB, masterRssAfterKiB: rssKiB(pid), totalRssKiB, reloadMs };
  } finally {
    if (master.exitCode === null && master.signalCode === null) {
      const exited = new Promise<void>((resolve) =>
        master.once('exit', () => {
          resolve();
        }),
      );
      master.kill('SIGQUIT');
      const timer = setTimeout(() => master.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}
