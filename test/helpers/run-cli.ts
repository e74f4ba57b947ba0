import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry, as `npx pointsman` runs it. */
export const CLI = fileURLToPath(new URL('../../bin/pointsman.js', import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `pointsman ARGS...` in a child process with this Node, bounded to 30 s. */
export function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`pointsman ${args.join(' ')} failed: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Runs `pointsman explain -o json` and parses what it printed. */
export async function explainJson(
  manifests: string,
  url: string,
  extra: readonly string[] = [],
): Promise<Record<string, unknown> & { status: number; path: string | null }> {
  const run = await runCli([
    'explain',
    '--manifests',
    manifests,
    '--output',
    'json',
    url,
    ...extra,
  ]);
  // Exit 1 means the manifests had errors, which some fixtures carry on purpose.
  if (run.code !== 0 && run.code !== 1) {
    throw new Error(`explain exited ${String(run.code)}: ${run.stderr}`);
  }
  return JSON.parse(run.stdout) as Record<string, unknown> & {
    status: number;
    path: string | null;
  };
}
