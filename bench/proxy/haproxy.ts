import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, startChild, stopChild } from './children.ts';
import { accepts, freePort, pollUntil } from './net.ts';
import { renderTemplate } from './nginx.ts';

/** A running HAProxy (one process, `nbthread` threads) and the port it listens on. */
export interface Haproxy {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly port: number;
}

/**
 * Starts HAProxy in the foreground on `haproxy.cfg.template` with `threads` threads, its config
 * in `dir`, on a free loopback port in front of 127.0.0.1:backendPort; tries a second port once
 * if the first was taken.
 */
export async function startHaproxy(
  haproxy: string,
  dir: string,
  backendPort: number,
  threads = 1,
): Promise<Haproxy> {
  mkdirSync(dir, { recursive: true });
  const template = readFileSync(join(import.meta.dirname, 'haproxy.cfg.template'), 'utf8');
  let failure = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const port = await freePort();
    const config = join(dir, 'haproxy.cfg');
    const values = {
      DIR: dir,
      PORT: String(port),
      BACKEND_PORT: String(backendPort),
      THREADS: String(threads),
    };
    writeFileSync(config, renderTemplate(template, values));
    // -db: stay in the foreground, no master process, so the child is the one that works and
    // its /proc/PID/stat counts the CPU time of all its threads.
    const child = startChild(haproxy, ['-db', '-f', config]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const up = await pollUntil(
      () => accepts(port),
      () => hasExited(child),
      10_000,
    );
    if (up) return { process: child, pid: child.pid ?? 0, port };
    await stopChild(child);
    failure = output.trim() || `port ${String(port)} not accepting connections`;
  }
  throw new Error(`haproxy did not start:\n${failure}`);
}
