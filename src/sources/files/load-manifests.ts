import { resolve } from 'node:path';
import type { Origin, StoredObject } from '../../objects/index.ts';
import { normalizeDocument } from './normalize-document.ts';
import { parseDocuments } from './parse-documents.ts';
import { readManifestFile } from './read-manifest-file.ts';
import { DEFAULT_MAX_FILE_BYTES } from './types.ts';
import type { Candidate, Diagnostic, LoadOptions, ManifestLoad } from './types.ts';
import { walkPath } from './walk.ts';

type FileOrigin = Extract<Origin, { source: 'file' }>;
type Loaded = Candidate & { readonly origin: FileOrigin };

/** What the load has gathered so far. */
interface LoadState {
  /** By kind/namespace/name, in load order (a redefinition moves to its later place). */
  readonly objects: Map<string, Loaded>;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
  readonly seenFiles: Set<string>;
  readonly maxFileBytes: number;
}

/**
 * Loads Kubernetes manifests from files and directories (walked recursively for `.yaml`, `.yml`
 * and `.json` files, in path order). Never throws on bad input: every problem becomes a
 * diagnostic, and one broken document or file costs nothing to the others. `sequence` follows
 * load order, so objects without `creationTimestamp` age by file path, then position.
 */
export async function loadManifests(
  paths: readonly string[],
  options: LoadOptions = {},
): Promise<ManifestLoad> {
  const state: LoadState = {
    objects: new Map(),
    diagnostics: [],
    files: [],
    seenFiles: new Set(),
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
  };
  for (const path of paths) {
    const walk = await walkPath(path);
    state.diagnostics.push(...walk.diagnostics);
    for (const file of walk.files) await loadFile(file, state);
  }
  const objects = [...state.objects.values()].map((loaded, sequence): StoredObject => ({
    ...loaded,
    sequence,
  }));
  return { objects, diagnostics: state.diagnostics, files: state.files };
}

async function loadFile(file: string, state: LoadState): Promise<void> {
  // The same file named twice (or named and inside a named directory) loads once.
  const key = resolve(file);
  if (state.seenFiles.has(key)) return;
  state.seenFiles.add(key);
  state.files.push(file);
  const read = await readManifestFile(file, state.maxFileBytes);
  if ('error' in read) {
    state.diagnostics.push({ severity: 'error', file, document: null, message: read.error });
    return;
  }
  for (const parsed of parseDocuments(read.text)) {
    const document = parsed.index;
    for (const message of parsed.warnings) {
      state.diagnostics.push({ severity: 'note', file, document, message });
    }
    if (parsed.error !== null) {
      state.diagnostics.push({ severity: 'error', file, document, message: parsed.error });
      continue;
    }
    const outcome = normalizeDocument(parsed.value);
    for (const { severity, message } of outcome.findings) {
      state.diagnostics.push({ severity, file, document, message });
    }
    for (const candidate of outcome.candidates) {
      add(state, { ...candidate, origin: { source: 'file', file, document } });
    }
  }
}

function add(state: LoadState, loaded: Loaded): void {
  const key = `${loaded.kind}/${loaded.namespace}/${loaded.name}`;
  const earlier = state.objects.get(key);
  if (earlier !== undefined) {
    const name = loaded.namespace === '' ? loaded.name : `${loaded.namespace}/${loaded.name}`;
    state.diagnostics.push({
      severity: 'error',
      file: loaded.origin.file,
      document: loaded.origin.document,
      message: `${loaded.kind} ${name} is defined twice: at ${place(earlier.origin)} and at ${place(loaded.origin)}; the later one is used`,
    });
    state.objects.delete(key);
  }
  state.objects.set(key, loaded);
}

/** A place for people: documents count from 1 here, as the CLI prints them. */
function place(origin: FileOrigin): string {
  return `${origin.file} (document ${origin.document + 1})`;
}
