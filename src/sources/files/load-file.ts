import type { Origin, StoredObject } from '../../objects/index.ts';
import { MAX_OBJECTS_PER_FILE } from './file-slots.ts';
import { normalizeDocument } from './normalize-document.ts';
import { parseChunk } from './parse-documents.ts';
import { readManifestFile } from './read-manifest-file.ts';
import { splitStream } from './split-stream.ts';
import type { Diagnostic } from './types.ts';

/** A stored object loaded from a file. */
export type FileObject = StoredObject & { readonly origin: Extract<Origin, { source: 'file' }> };

/** A diagnostic of one file, with its place among the file's objects. */
export interface PlacedDiagnostic {
  /** How many of the file's objects come before it. */
  readonly before: number;
  readonly diagnostic: Diagnostic;
}

/**
 * What one chunk of a file (see `splitStream`) gave at the last load, kept only for chunks read
 * without a YAML error or warning (whose messages carry line numbers, which move).
 */
export interface ChunkLoad {
  /** Index of the chunk's first document at that load. */
  readonly first: number;
  /** Documents in the chunk, empty ones included. */
  readonly count: number;
  readonly objects: readonly FileObject[];
  /** The findings about its documents; `before` counts the chunk's objects only. */
  readonly findings: readonly PlacedDiagnostic[];
}

/** One file as loaded, before it is merged with the others. */
export interface FileLoad {
  /** The file's `fileStamp` when read; null when it could not be opened (read again next time). */
  readonly stamp: string | null;
  readonly slot: number;
  /** The file's objects in file order; `sequence` is `slot * MAX_OBJECTS_PER_FILE + position`. */
  readonly objects: readonly FileObject[];
  /** The file's own diagnostics, in the order they were found. */
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** By chunk text: what each chunk gave, for the next load of the file to reuse. */
  readonly chunks: ReadonlyMap<string, ChunkLoad>;
}

/** One load of one file in progress. */
class FileBuilder {
  readonly objects: FileObject[] = [];
  readonly diagnostics: PlacedDiagnostic[] = [];
  readonly chunks = new Map<string, ChunkLoad>();
  #full = false;

  readonly file: string;
  readonly slot: number;

  constructor(file: string, slot: number) {
    this.file = file;
    this.slot = slot;
  }

  report(severity: Diagnostic['severity'], document: number | null, message: string): void {
    const diagnostic = { severity, file: this.file, document, message };
    this.diagnostics.push({ before: this.objects.length, diagnostic });
  }

  /** Adds an object, or refuses it past the bound; `made` builds it for its document and sequence. */
  add(document: number, made: (origin: FileObject['origin'], sequence: number) => FileObject) {
    if (this.objects.length === MAX_OBJECTS_PER_FILE) {
      // The bound that keeps each file's sequences apart from the next file's.
      if (!this.#full) this.report('error', document, tooMany());
      this.#full = true;
      return;
    }
    const origin = { source: 'file', file: this.file, document } as const;
    this.objects.push(made(origin, this.slot * MAX_OBJECTS_PER_FILE + this.objects.length));
  }
}

/**
 * Reads, parses and normalizes one manifest file. Never throws on bad input. A chunk (about a
 * document) whose text is in `previous` is not parsed again: its objects are taken from there,
 * the very same objects when they kept their document index and position.
 */
export async function loadFile(
  file: string,
  slot: number,
  maxBytes: number,
  previous?: ReadonlyMap<string, ChunkLoad>,
): Promise<FileLoad> {
  const builder = new FileBuilder(file, slot);
  const read = await readManifestFile(file, maxBytes);
  if ('error' in read) {
    builder.report('error', null, read.error);
    return { stamp: read.stamp ?? null, ...finish(builder) };
  }
  let index = 0;
  for (const chunk of splitStream(read.text)) {
    const kept = previous?.get(chunk.text);
    if (kept === undefined) index += loadChunk(builder, chunk, index);
    else index += reuseChunk(builder, chunk.text, kept, index);
  }
  return { stamp: read.stamp, ...finish(builder) };
}

function finish(builder: FileBuilder): Omit<FileLoad, 'stamp'> {
  const { slot, objects, diagnostics, chunks } = builder;
  return { slot, objects, diagnostics, chunks };
}

/** Parses a chunk into the builder; returns how many documents it holds. */
function loadChunk(
  builder: FileBuilder,
  chunk: { text: string; lineOffset: number },
  first: number,
) {
  const objectsBefore = builder.objects.length;
  const diagnosticsBefore = builder.diagnostics.length;
  const { documents, count } = parseChunk(chunk, first);
  let clean = true;
  for (const parsed of documents) {
    const document = parsed.index;
    for (const message of parsed.warnings) builder.report('note', document, message);
    clean &&= parsed.warnings.length === 0 && parsed.error === null;
    if (parsed.error !== null) {
      builder.report('error', document, parsed.error);
      continue;
    }
    const outcome = normalizeDocument(parsed.value);
    for (const { severity, message } of outcome.findings)
      builder.report(severity, document, message);
    for (const candidate of outcome.candidates) {
      builder.add(document, (origin, sequence) => ({ ...candidate, origin, sequence }));
    }
  }
  if (clean) remember(builder, chunk.text, first, count, objectsBefore, diagnosticsBefore);
  return count;
}

/** Takes a chunk's objects and findings from the last load; returns its document count. */
function reuseChunk(builder: FileBuilder, text: string, kept: ChunkLoad, first: number): number {
  const objectsBefore = builder.objects.length;
  const diagnosticsBefore = builder.diagnostics.length;
  const shift = first - kept.first;
  let next = 0;
  const addUpTo = (end: number): void => {
    for (; next < end; next++) {
      const object = kept.objects[next];
      if (object === undefined) continue;
      builder.add(object.origin.document + shift, (origin, sequence) =>
        object.origin.document === origin.document && object.sequence === sequence
          ? object
          : { ...object, origin, sequence },
      );
    }
  };
  for (const { before, diagnostic } of kept.findings) {
    addUpTo(before);
    const { severity, document, message } = diagnostic;
    builder.report(severity, document === null ? null : document + shift, message);
  }
  addUpTo(kept.objects.length);
  remember(builder, text, first, kept.count, objectsBefore, diagnosticsBefore);
  return kept.count;
}

/** Records what the builder got from a chunk since the given counts. */
function remember(
  builder: FileBuilder,
  text: string,
  first: number,
  count: number,
  objectsBefore: number,
  diagnosticsBefore: number,
): void {
  const findings = builder.diagnostics
    .slice(diagnosticsBefore)
    .map(({ before, diagnostic }) => ({ before: before - objectsBefore, diagnostic }));
  const objects = builder.objects.slice(objectsBefore);
  builder.chunks.set(text, { first, count, objects, findings });
}

/** The same file's load moved to another slot: objects renumbered, diagnostics as they were. */
export function moveToSlot(load: FileLoad, slot: number): FileLoad {
  const objects = load.objects.map((object) => ({
    ...object,
    sequence: slot * MAX_OBJECTS_PER_FILE + (object.sequence % MAX_OBJECTS_PER_FILE),
  }));
  return { ...load, slot, objects };
}

function tooMany(): string {
  return `more than ${MAX_OBJECTS_PER_FILE} objects in one file; the objects from here on are not loaded`;
}
