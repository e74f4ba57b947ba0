import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { describeError } from './describe-error.ts';

/**
 * A file's text, or why it could not be read; with the {@link fileStamp} of the file as opened,
 * when it could be opened.
 */
export type FileText =
  | { readonly text: string; readonly stamp: string }
  | { readonly error: string; readonly stamp?: string };

/**
 * The version of a file as far as `stat` tells: another inode (an editor's atomic save, a
 * ConfigMap's `..data` swap), size, modification or change time. Equal stamps are taken to mean
 * equal contents, as make and most watchers take them; `ctime` also moves on writes that restore
 * `mtime` (`touch -d`, `rsync -t`), which the user cannot set back.
 */
export function fileStamp(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * Reads a manifest file as UTF-8 text, refusing anything but a regular file and anything over
 * `maxBytes` (checked while reading, so a file that grows meanwhile is refused too).
 */
export async function readManifestFile(path: string, maxBytes: number): Promise<FileText> {
  let handle: FileHandle | undefined;
  try {
    // Non-blocking, so a named pipe cannot hang the load before the check below refuses it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    // Stamped before reading: a write during the read moves the stamp, so the next load reads again.
    const stats = await handle.stat();
    const stamp = fileStamp(stats);
    if (!stats.isFile()) return { error: 'cannot read: not a regular file', stamp };
    if (stats.size > maxBytes) return { error: tooLarge(maxBytes), stamp };
    const bytes = await readBounded(handle, stats.size, maxBytes);
    if (bytes === null) return { error: tooLarge(maxBytes), stamp };
    const text = decode(bytes);
    return text === null
      ? { error: 'cannot read: the file is not UTF-8 text', stamp }
      : { text, stamp };
  } catch (error) {
    return { error: `cannot read: ${describeError(error)}` };
  } finally {
    await handle?.close();
  }
}

function tooLarge(maxBytes: number): string {
  return `file is larger than the limit of ${maxBytes} bytes; not loaded`;
}

/** Reads to the end of the file; null as soon as it passes `maxBytes`. */
async function readBounded(
  handle: FileHandle,
  sizeHint: number,
  maxBytes: number,
): Promise<Buffer | null> {
  let buffer = Buffer.alloc(Math.min(sizeHint, maxBytes) + 1);
  let length = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) return buffer.subarray(0, length);
    length += bytesRead;
    if (length > maxBytes) return null;
    if (length === buffer.length) {
      const bigger = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(bigger);
      buffer = bigger;
    }
  }
}

/** The bytes as UTF-8 text; null when they are not UTF-8. */
function decode(bytes: Uint8Array): string | null {
  try {
    // fatal: a binary file is reported, not silently turned into replacement characters.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
