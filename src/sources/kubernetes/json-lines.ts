import { KubeApiError } from './kube-api.ts';

/** The longest watch line accepted, in characters: far above the API server's 1.5 MiB object limit. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Reads a stream of newline-separated JSON values (a watch response) and hands each parsed
 * value to `onValue` as soon as its line is complete. Resolves when the stream ends; rejects
 * with a `BadResponse` {@link KubeApiError} on a line that is not JSON or is too long (a broken
 * stream is not worth guessing at: the caller restarts the watch), and with the stream's own
 * error when it breaks.
 */
export async function readJsonLines(
  stream: ReadableStream<Uint8Array>,
  onValue: (value: unknown) => void,
  maxLineChars = MAX_LINE_CHARS,
): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      buffer = emitLines(buffer, onValue);
      if (buffer.length > maxLineChars) {
        throw new KubeApiError(
          'BadResponse',
          0,
          `a watch event is longer than ${maxLineChars} characters`,
        );
      }
    }
    buffer += decoder.decode();
    emitLines(`${buffer}\n`, onValue);
  } finally {
    reader.releaseLock();
  }
}

/** Emits every complete line of `buffer`; returns the incomplete rest. */
function emitLines(buffer: string, onValue: (value: unknown) => void): string {
  let start = 0;
  for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n', start)) {
    const line = buffer.slice(start, newline).trim();
    start = newline + 1;
    if (line !== '') onValue(parseLine(line));
  }
  return buffer.slice(start);
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    throw new KubeApiError('BadResponse', 0, `a watch event is not JSON: ${line.slice(0, 80)}`, {
      cause: error,
    });
  }
}
