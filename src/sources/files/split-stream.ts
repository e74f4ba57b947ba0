/** A piece of a YAML stream that starts at a line boundary. */
export interface StreamChunk {
  readonly text: string;
  /** Number of lines in the stream before this chunk (add it to the chunk's 1-based lines). */
  readonly lineOffset: number;
}

/** True when the line at `offset` is a `---` document start marker. */
function isDocumentStart(text: string, offset: number): boolean {
  if (!text.startsWith('---', offset)) return false;
  const next = text.charAt(offset + 3);
  return next === '' || next === ' ' || next === '\t' || next === '\r' || next === '\n';
}

/**
 * Cuts a YAML stream before every `---` line, keeping the `%` directive lines just above it with
 * it. In YAML 1.2 a `---` at the start of a line always starts a new document (it is forbidden
 * inside scalars), so this only matters for broken input: an unclosed quote would otherwise
 * swallow every later document of the file, where kubectl (which splits the same way) loses one.
 */
export function splitStream(text: string): StreamChunk[] {
  const chunks: StreamChunk[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  let directives: { offset: number; line: number } | null = null;
  let offset = 0;
  let line = 0;
  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const end = newline === -1 ? text.length : newline + 1;
    if (isDocumentStart(text, offset)) {
      const cut = directives ?? { offset, line };
      if (cut.offset > chunkStart) {
        chunks.push({ text: text.slice(chunkStart, cut.offset), lineOffset: chunkLine });
      }
      chunkStart = cut.offset;
      chunkLine = cut.line;
      directives = null;
    } else if (text.startsWith('%', offset)) {
      directives ??= { offset, line };
    } else {
      directives = null;
    }
    offset = end;
    line += 1;
  }
  if (chunkStart < text.length || chunks.length === 0) {
    chunks.push({ text: text.slice(chunkStart), lineOffset: chunkLine });
  }
  return chunks;
}
