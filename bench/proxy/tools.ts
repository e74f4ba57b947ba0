import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The path of executable `name` on PATH or in /usr/sbin and /sbin (nginx lives there). */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter((entry) => entry !== '')) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** The first line `command args` prints (stdout, else stderr), or '?'. */
export function versionOf(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 });
  const text = `${result.stdout}\n${result.stderr}`.trim();
  return text === '' ? '?' : (text.split('\n')[0] ?? '?');
}
