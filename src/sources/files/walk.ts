import { readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { describeError } from './describe-error.ts';
import type { Diagnostic } from './types.ts';

/** The files one path stands for, and the problems met finding them. */
export interface WalkResult {
  readonly files: string[];
  readonly diagnostics: Diagnostic[];
}

/** The extensions taken from directories (as kubectl: case-sensitive). */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/**
 * Lists the manifest files a path stands for: the path itself when it is a file (whatever its
 * extension), else every `.yaml`, `.yml` and `.json` file below the directory, hidden names
 * (starting with `.`) left out, sorted by path. Symbolic links are followed, as in a mounted
 * ConfigMap, whose visible files are links into a hidden `..data` directory.
 */
export async function walkPath(path: string): Promise<WalkResult> {
  const result: WalkResult = { files: [], diagnostics: [] };
  const stats = await statOrReport(path, result);
  if (stats === null) return result;
  if (stats.isFile()) {
    result.files.push(path);
  } else if (stats.isDirectory()) {
    const relative: string[] = [];
    await walkDirectory(path, '', new Set(), relative, result);
    relative.sort(byCodeUnits);
    const prefix = path.endsWith(sep) ? path : path + sep;
    result.files.push(...relative.map((file) => prefix + file));
    if (result.files.length === 0 && result.diagnostics.length === 0) {
      report(result, path, 'note', `no ${MANIFEST_EXTENSIONS.join(', ')} files in directory`);
    }
  } else {
    report(result, path, 'error', 'not a regular file or directory');
  }
  return result;
}

async function walkDirectory(
  root: string,
  relative: string,
  seen: Set<string>,
  found: string[],
  result: WalkResult,
): Promise<void> {
  const directory = relative === '' ? root : join(root, relative);
  // A symbolic link back up the tree must not loop forever.
  const real = await realpath(directory).catch(() => directory);
  if (seen.has(real)) return;
  seen.add(real);
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    report(result, directory, 'error', `cannot read directory: ${describeError(error)}`);
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const child = relative === '' ? entry.name : join(relative, entry.name);
    const isManifest = MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext));
    let target: Stats | null = null;
    if (entry.isSymbolicLink()) {
      // A dangling link matters only where a manifest was expected.
      target = isManifest
        ? await statOrReport(join(root, child), result)
        : await stat(join(root, child)).catch(() => null);
    }
    if (entry.isDirectory() || target?.isDirectory() === true) {
      await walkDirectory(root, child, seen, found, result);
    } else if (isManifest && (entry.isFile() || target?.isFile() === true)) {
      found.push(child);
    }
  }
}

async function statOrReport(path: string, result: WalkResult): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    report(result, path, 'error', `cannot read: ${describeError(error)}`);
    return null;
  }
}

function report(
  result: WalkResult,
  file: string,
  severity: Diagnostic['severity'],
  message: string,
): void {
  result.diagnostics.push({ severity, file, document: null, message });
}

function byCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
