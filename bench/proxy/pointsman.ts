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

// Flags that only some versions of `serve` have, asked of its --help once: the HTTPS and status
// listeners on free ports, and no access log (nginx runs with access_log off).
let optional: string[] | undefined;

function optionalArgs(): string[] {
  if (optional === undefined) {
    const help = spawnSync(
      process.execPath,
      [join(REPO, 'bin', 'pointsman.js'), 'serve', '--help'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    ).stdout;
    optional = [
      ...(help.includes('--https-port') ? ['--https-port', '0'] : []),
      ...(help.includes('--status-port') ? ['--status-port', '0'] : []),
      ...(help.includes('--access-log ') ? ['--access-log', 'off'] : []),
    ];
  }
  return optional;
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

/** The `serve` arguments: free loopback ports, info logs, a short shutdown. */
export function serveArgs(manifests: string, telemetry: Telemetry = { kind: 'default' }): string[] {
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
    // Later flags win: these replace the optional `--access-log off` where they set it.
    ...telemetryArgs(telemetry),
  ];
}

interface Serving {
  http?: { port?: number };
  https?: { port?: number } | null;
  admin?: { port?: number };
  msg?: string;
}

/**
 * Starts `pointsman serve` on `manifests` with this script's Node and the `telemetry` asked
 * for, its log in `logFile`, and waits (at most `timeoutMs`) until it reports its ports and /readyz answers 200.
 */
export async function startPointsman(
  manifests: string,
  logFile: string,
  timeoutMs: number,
  telemetry: Telemetry = { kind: 'default' },
): Promise<Pointsman> {
  const child = startChild(process.execPath, serveArgs(manifests, telemetry));
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
