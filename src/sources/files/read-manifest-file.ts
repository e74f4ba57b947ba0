import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { describeError } from './describe-error.ts';

/** A file's text, or why it could not be read. */
export type FileText = { readonly text: string } | { readonly error: string };

/**
 * Reads a manifest file as UTF-8 text, refusing anything but a regular file and anything over
 * `maxBytes` (checked while reading, so a file that grows meanwhile is refused too).
 */
export async function readManifestFile(path: string, maxBytes: number): Promise<FileText> {
  let handle: FileHandle | undefined;
  try {
    // Non-blocking, so a named pipe cannot hang the load before the check below refuses it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = await handle.stat();
    if (!stats.isFile()) return { error: 'cannot read: not a regular file' };
    if (stats.size > maxBytes) return { error: tooLarge(maxBytes) };
    const bytes = await readBounded(handle, stats.size, maxBytes);
    if (bytes === null) return { error: tooLarge(maxBytes) };
    return decode(bytes);
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

function decode(bytes: Uint8Array): FileText {
  try {
    // fatal: a binary file is reported, not silently turned into replacement characters.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: 'cannot read: the file is not UTF-8 text' };
  }
}
