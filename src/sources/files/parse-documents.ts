import { isAlias, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, SchemaOptions, YAMLError } from 'yaml';
import { hasCycle } from './plain-data.ts';
import { splitStream, type StreamChunk } from './split-stream.ts';

/** One non-empty document of a YAML stream. */
export interface ParsedDocument {
  /** 0-based position of the document in the stream. */
  readonly index: number;
  /** The document as plain data (a mapping, list or scalar); undefined when `error` is set. */
  readonly value: unknown;
  /** Why the document could not be read, with its line; null when it could. */
  readonly error: string | null;
  /** Remarks from the YAML parser (unknown tags, ...), with their lines. */
  readonly warnings: readonly string[];
}

// YAML 1.2 core schema even under a `%YAML 1.1` directive: no `yes`/`on` booleans, no octal
// `0777`, no `<<` merge keys, no sexagesimal numbers. Only plain JSON-like data comes out.
const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  merge: false,
  resolveKnownTags: false,
  intAsBigInt: false,
  stringKeys: true,
  uniqueKeys: true,
  prettyErrors: false,
  logLevel: 'silent',
};

/** Bounds alias expansion ("billion laughs"); see the yaml `maxAliasCount` option. */
const MAX_ALIAS_COUNT = 100;
// Resolving an alias scans every anchor before it, so many anchors and aliases cost
// quadratic time; real manifests use a handful.
const MAX_ANCHORS_AND_ALIASES = 1000;

/**
 * Parses a multi-document YAML (or JSON) stream. A broken document yields an entry with its
 * error and never costs the others theirs. Empty documents (only comments) are left out.
 */
export function parseDocuments(text: string): ParsedDocument[] {
  const parsed: ParsedDocument[] = [];
  let index = 0;
  for (const chunk of splitStream(text)) {
    const { documents, count } = parseChunk(chunk, index);
    parsed.push(...documents);
    index += count;
  }
  return parsed;
}

/** The documents of one chunk of a stream. */
export interface ParsedChunk {
  /** Its non-empty documents, as {@link parseDocuments} gives them. */
  readonly documents: ParsedDocument[];
  /** How many documents the chunk holds, empty ones included: where the next chunk's start. */
  readonly count: number;
}

/** Parses one chunk of `splitStream`; its first document has the index `first`. */
export function parseChunk(chunk: StreamChunk, first: number): ParsedChunk {
  const documents: ParsedDocument[] = [];
  const lines = new LineCounter();
  const where = (error: YAMLError): string => {
    const { line, col } = lines.linePos(error.pos[0]);
    return `${error.message} (line ${line + chunk.lineOffset}, column ${col})`;
  };
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(chunk.text, { ...OPTIONS, lineCounter: lines });
  } catch (error) {
    // The parser recurses; absurdly deep nesting overflows the stack.
    const message = `cannot parse: ${String(error)} (from line ${chunk.lineOffset + 1})`;
    documents.push({ index: first, value: undefined, error: message, warnings: [] });
    return { documents, count: 1 };
  }
  // Anchors and aliases are written `&name` and `*name`; a chunk with neither character has
  // none, and skips the walks that guard against them.
  const mayAlias = chunk.text.includes('&') || chunk.text.includes('*');
  parsed.forEach((document, offset) => {
    const entry = { index: first + offset, ...readDocument(document, where, mayAlias) };
    if (entry.error !== null || entry.value !== null) documents.push(entry);
  });
  return { documents, count: parsed.length };
}

type DocumentContent = Omit<ParsedDocument, 'index'>;

/** Turns one parsed document into plain data, or says why it cannot be. */
function readDocument(
  document: Document.Parsed,
  where: (error: YAMLError) => string,
  mayAlias: boolean,
): DocumentContent {
  const warnings = document.warnings.map(where);
  const [first, ...more] = document.errors;
  if (first !== undefined) {
    const others = more.length > 0 ? ` (and ${more.length} more YAML errors)` : '';
    return { value: undefined, error: where(first) + others, warnings };
  }
  if (mayAlias && countAliasNodes(document) > MAX_ANCHORS_AND_ALIASES) {
    const error = `more than ${MAX_ANCHORS_AND_ALIASES} YAML anchors and aliases`;
    return { value: undefined, error, warnings };
  }
  try {
    const value: unknown = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    if (mayAlias && hasCycle(value)) {
      return { value: undefined, error: 'a YAML alias refers to its own anchor', warnings };
    }
    return { value, error: null, warnings };
  } catch (error) {
    // toJS throws on unresolved or excessive aliases, and on stack overflow.
    const message = error instanceof Error ? error.message : String(error);
    return { value: undefined, error: `cannot read document: ${message}`, warnings };
  }
}

/** Counts anchored nodes and alias nodes in a document. */
function countAliasNodes(document: Document.Parsed): number {
  let count = 0;
  visit(document, {
    Node(_key, node) {
      if (isAlias(node) || node.anchor !== undefined) count += 1;
    },
  });
  return count;
}
