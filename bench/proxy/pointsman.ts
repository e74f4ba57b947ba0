import { spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hasExited, startChild } from './children.ts';
import { get, pollUntil } from './net.ts';

/** A running `pointsman serve`: its process and the ports it reported. */
export interface Pointsman {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** The HTTPS listener's port; 0 when this version of `serve` has none. */
  readonly tlsPort: number;
  readonly adminPort: number;
}

const REPO = join(import.meta.dirname, '..', '..');

let help: string | undefined;

// `serve --help`, asked once: flags that only some versions of `serve` have are passed only
// when it lists them.
function serveHelp(): string {
  help ??= spawnSync(process.execPath, [join(REPO, 'bin', 'pointsman.js'), 'serve', '--help'], {
    encoding: 'utf8',
    timeout: 30_000,
  }).stdout;
  return help;
}

// The HTTPS and status listeners on free ports, and no access log (nginx runs with access_log
// off).
function optionalArgs(): string[] {
  const text = serveHelp();
  return [
    ...(text.includes('--https-port') ? ['--https-port', '0'] : []),
    ...(text.includes('--status-port') ? ['--status-port', '0'] : []),
    ...(text.includes('--access-log ') ? ['--access-log', 'off'] : []),
  ];
}

/** Whether this version of `serve` has `--workers` (issue 12). */
export function hasWorkersFlag(): boolean {
  return serveHelp().includes('--workers');
}

/**
 * What pointsman records per request: `default` is the headline setting (metrics on, no access
 * log, as nginx runs with `access_log off`); `off` has neither; `on` writes the access log to
 * `accessLog` as well.
 */
export type Telemetry =
  | { readonly kind: 'default' }
  | { readonly kind: 'off' }
  | { readonly kind: 'on'; readonly accessLog: string };

function telemetryArgs(telemetry: Telemetry): string[] {
  if (telemetry.kind === 'off') return ['--metrics', 'off'];
  if (telemetry.kind === 'on') return ['--access-log', telemetry.accessLog];
  return [];
}

/** How one `pointsman serve` runs. */
export interface ServeSettings {
  /** What it records per request (default: `default`). */
  readonly telemetry?: Telemetry;
  /** Proxy worker threads (default 1). */
  readonly workers?: number;
}

/**
 * The `serve` arguments: free loopback ports, info logs, a short shutdown, and `--workers N`
 * whenever `serve` has the flag (its default is `auto`), else nothing: versions without it run
 * one process.
 */
export function serveArgs(manifests: string, settings: ServeSettings = {}): string[] {
  const workers = settings.workers ?? 1;
  return [
    join(REPO, 'bin', 'pointsman.js'),
    'serve',
    '--manifests',
    manifests,
    '--http-port',
    '0',
    '--admin-port',
    '0',
    '--bind',
    '127.0.0.1',
    '--admin-bind',
    '127.0.0.1',
    '--log-level',
    'info',
    '--shutdown-grace',
    '1s',
    ...optionalArgs(),
    ...(hasWorkersFlag() ? ['--workers', String(workers)] : []),
    // Later flags win: these replace the optional `--access-log off` where they set it.
    ...telemetryArgs(settings.telemetry ?? { kind: 'default' }),
  ];
}

interface Serving {
  http?: { port?: number };
  https?: { port?: number } | null;
  admin?: { port?: number };
  msg?: string;
}

/**
 * Starts `pointsman serve` on `manifests` with this script's Node and the `settings` asked
 * for, its log in `logFile`, and waits (at most `timeoutMs`) until it reports its ports and
 * /readyz answers 200.
 */
export async function startPointsman(
  manifests: string,
  logFile: string,
  timeoutMs: number,
  settings: ServeSettings = {},
): Promise<Pointsman> {
  const child = startChild(process.execPath, serveArgs(manifests, settings));
  const log = createWriteStream(logFile);
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error('pointsman started without pipes');
  stdout.pipe(log, { end: false });
  const serving = new Promise<Serving>((resolve, reject) => {
    createInterface({ input: stderr }).on('line', (line) => {
      log.write(`${line}\n`);
      const entry = parseLine(line);
      if (entry?.msg === 'pointsman is serving') resolve(entry);
    });
    child.once('exit', (code) => {
      reject(new Error(`pointsman exited with ${String(code)} before serving; see ${logFile}`));
    });
  });
  const timer = setTimeout(() => {
    child.kill('SIGTERM');
  }, timeoutMs);
  const entry = await serving.finally(() => {
    clearTimeout(timer);
  });
  const port = entry.http?.port ?? 0;
  const adminPort = entry.admin?.port ?? 0;
  const ready = await pollUntil(
    async () => (await get(adminPort, '127.0.0.1', '/readyz')).status === 200,
    () => hasExited(child),
    timeoutMs,
  );
  if (!ready) throw new Error(`pointsman never became ready; see ${logFile}`);
  return { child, pid: child.pid ?? 0, port, tlsPort: entry.https?.port ?? 0, adminPort };
}

function parseLine(line: string): Serving | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
