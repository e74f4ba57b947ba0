import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, killOnExit, startChild, stopChild } from './children.ts';
import { accepts, freePort, pollUntil } from './net.ts';
import { childPids } from './proc-stats.ts';

/** A running nginx: master process, its workers and the port it listens on. */
export interface Nginx {
  readonly master: ChildProcess;
  /** The master's pid and every worker's, all of them started. */
  readonly pids: readonly number[];
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
 * Starts `nginx-<name>.conf.template` with `workers` worker processes, as the current user with
 * its prefix, config, pid file and logs in `dir`, on a free loopback port, and waits until all
 * the workers run; tries a second port once if the first was taken.
 */
export async function startNginx(
  nginx: string,
  name: 'backend' | 'proxy' | 'proxy-tls' | 'proxy-limits',
  dir: string,
  values: Readonly<Record<string, string>>,
  workers = 1,
): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  const template = readFileSync(join(import.meta.dirname, `nginx-${name}.conf.template`), 'utf8');
  let failure = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const port = await freePort();
    const config = join(dir, 'nginx.conf');
    const filled = { ...values, DIR: dir, PORT: String(port), WORKERS: String(workers) };
    writeFileSync(config, renderTemplate(template, filled));
    const started = await tryStart(nginx, { dir, config, port, workers });
    if (typeof started !== 'string') return started;
    failure = started;
  }
  throw new Error(`nginx (${name}) did not start:\n${failure}`);
}

interface Attempt {
  readonly dir: string;
  readonly config: string;
  readonly port: number;
  readonly workers: number;
}

// The started nginx, or why it failed.
async function tryStart(nginx: string, attempt: Attempt): Promise<Nginx | string> {
  const { dir, config, port, workers: expected } = attempt;
  const errorLog = join(dir, 'error.log');
  const master = startChild(nginx, ['-e', errorLog, '-p', `${dir}/`, '-c', config]);
  let output = '';
  master.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  master.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = (): boolean => hasExited(master);
  const pid = master.pid ?? 0;
  let workers: number[] = [];
  // Workers fork one after another: wait for all of them, so every one serves from the first
  // measured request and is killed when the benchmark exits.
  const up = await pollUntil(
    async () => (workers = childPids(pid)).length >= expected && (await accepts(port)),
    gone,
    10_000,
  );
  if (up && workers.length === expected) {
    for (const worker of workers) killOnExit(worker);
    return { master, pids: [pid, ...workers], port };
  }
  await stopChild(master);
  let log = '';
  try {
    log = readFileSync(errorLog, 'utf8');
  } catch {
    // No log written yet.
  }
  const found = `${String(workers.length)} worker processes where ${String(expected)} were expected`;
  return (
    `${output}${log}`.trim() || (up ? found : `port ${String(port)} not accepting connections`)
  );
}
