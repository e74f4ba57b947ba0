import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, killOnExit, startChild, stopChild } from './children.ts';
import { accepts, freePort, pollUntil } from './net.ts';
import { childPids } from './proc-stats.ts';

/** A running nginx: master process, its single worker and the port it listens on. */
export interface Nginx {
  readonly master: ChildProcess;
  readonly workerPid: number;
  readonly port: number;
}

/** `template` with every `{{KEY}}` replaced by `values[KEY]`. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const text = template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
  const left = /\{\{\w+\}\}/.exec(text);
  if (left !== null) throw new Error(`no value for ${left[0]} in an nginx template`);
  return text;
}

/**
 * Starts `nginx-<name>.conf.template` as the current user with its prefix, config, pid file and
 * logs in `dir`, on a free loopback port; tries a second port once if the first was taken.
 */
export async function startNginx(
  nginx: string,
  name: 'backend' | 'proxy' | 'proxy-tls',
  dir: string,
  values: Readonly<Record<string, string>>,
): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  const template = readFileSync(join(import.meta.dirname, `nginx-${name}.conf.template`), 'utf8');
  let failure = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const port = await freePort();
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, renderTemplate(template, { ...values, DIR: dir, PORT: String(port) }));
    const started = await tryStart(nginx, dir, config, port);
    if (typeof started !== 'string') return started;
    failure = started;
  }
  throw new Error(`nginx (${name}) did not start:\n${failure}`);
}

// The started nginx, or why it failed.
async function tryStart(
  nginx: string,
  dir: string,
  config: string,
  port: number,
): Promise<Nginx | string> {
  const errorLog = join(dir, 'error.log');
  const master = startChild(nginx, ['-e', errorLog, '-p', `${dir}/`, '-c', config]);
  let output = '';
  master.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  master.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = (): boolean => hasExited(master);
  const pid = master.pid ?? 0;
  let workers: number[] = [];
  const up = await pollUntil(
    async () => (workers = childPids(pid)).length > 0 && (await accepts(port)),
    gone,
    10_000,
  );
  const workerPid = workers[0];
  if (up && workerPid !== undefined && workers.length === 1) {
    killOnExit(workerPid);
    return { master, workerPid, port };
  }
  await stopChild(master);
  let log = '';
  try {
    log = readFileSync(errorLog, 'utf8');
  } catch {
    // No log written yet.
  }
  return `${output}${log}`.trim() || `port ${String(port)} not accepting connections`;
}
