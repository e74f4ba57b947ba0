import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { assignSlots } from './file-slots.ts';
import { loadFile, moveToSlot, type FileLoad, type FileObject } from './load-file.ts';
import { fileStamp } from './read-manifest-file.ts';
import { DEFAULT_MAX_FILE_BYTES } from './types.ts';
import type { Diagnostic, LoadOptions, ManifestLoad } from './types.ts';
import { walkPath, type WalkResult } from './walk.ts';

/** What the merge of the files has gathered so far. */
interface MergeState {
  /** By kind/namespace/name, in load order (a redefinition moves to its later place). */
  readonly objects: Map<string, FileObject>;
  readonly diagnostics: Diagnostic[];
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
  return new ManifestLoader(options).load(paths);
}

/**
 * {@link loadManifests} for a caller that loads the same paths again and again (the files
 * source, on every change): a file whose `fileStamp` is the same as at the previous load is
 * neither read nor parsed again, and its objects are the very objects handed out last time
 * (their identity tells the translator they did not change), its diagnostics the same. In a file
 * that changed, a document whose text did not change is not parsed again (see `loadFile`). A file
 * keeps its `sequence` numbers across loads while the files around it change (see
 * `assignSlots`). Loads must not overlap; the cache holds only the files of the last load.
 */
export class ManifestLoader {
  readonly #maxFileBytes: number;
  /** By file name as walked, the files of the last load. */
  #cache = new Map<string, FileLoad>();

  constructor(options: LoadOptions = {}) {
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /** Loads `paths`, reusing what the last load read from files that did not change. */
  async load(paths: readonly string[]): Promise<ManifestLoad> {
    const walks = await walkAll(paths);
    const files = walks.flatMap((walk) => walk.files);
    const slots = assignSlots(files, new Map([...this.#cache].map(([f, l]) => [f, l.slot])));
    const stamps = await stampAll(files.filter((file) => this.#cache.has(file)));
    const loads = new Map<string, FileLoad>();
    const state: MergeState = { objects: new Map(), diagnostics: [] };
    for (const walk of walks) {
      state.diagnostics.push(...walk.diagnostics);
      for (const file of walk.files) {
        const load = await this.#loadFile(file, slots.get(file) ?? 0, stamps.get(file));
        loads.set(file, load);
        merge(state, load);
      }
    }
    this.#cache = loads;
    return { objects: [...state.objects.values()], diagnostics: state.diagnostics, files };
  }

  async #loadFile(file: string, slot: number, stamp: string | undefined): Promise<FileLoad> {
    const cached = this.#cache.get(file);
    if (cached !== undefined && cached.stamp !== null && cached.stamp === stamp) {
      return cached.slot === slot ? cached : moveToSlot(cached, slot);
    }
    return loadFile(file, slot, this.#maxFileBytes, cached?.chunks);
  }
}

/** Files `stat`ed between two turns of the event loop. */
const STAT_BATCH = 1024;

/**
 * The `fileStamp` of each file that can be stat'ed now. Synchronous `stat` in batches: on these
 * machines 10,000 files take about 15-30 ms that way against 110-170 ms with the promise API,
 * whose per-call cost is the thread pool round trip; a batch holds the event loop for about 3 ms.
 */
async function stampAll(files: readonly string[]): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (let start = 0; start < files.length; start += STAT_BATCH) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const file of files.slice(start, start + STAT_BATCH)) {
      const stats = statOrNull(file);
      if (stats !== null) stamps.set(file, fileStamp(stats));
    }
  }
  return stamps;
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch {
    // Unreadable now: the file is read again, and the read reports why.
    return null;
  }
}

/** Walks every path; a file named twice (or named and inside a named directory) loads once. */
async function walkAll(paths: readonly string[]): Promise<WalkResult[]> {
  const seen = new Set<string>();
  const walks: WalkResult[] = [];
  for (const path of paths) {
    const walk = await walkPath(path);
    const files = walk.files.filter((file) => {
      const key = resolve(file);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    walks.push({ files, diagnostics: walk.diagnostics });
  }
  return walks;
}

/** Adds one file's objects and diagnostics, in the order the file gave them. */
function merge(state: MergeState, load: FileLoad): void {
  let next = 0;
  for (const { before, diagnostic } of load.diagnostics) {
    while (next < before) add(state, load.objects[next++]);
    state.diagnostics.push(diagnostic);
  }
  while (next < load.objects.length) add(state, load.objects[next++]);
}

function add(state: MergeState, object: FileObject | undefined): void {
  if (object === undefined) return;
  const key = `${object.kind}/${object.namespace}/${object.name}`;
  const earlier = state.objects.get(key);
  if (earlier !== undefined) {
    const name = object.namespace === '' ? object.name : `${object.namespace}/${object.name}`;
    const { origin } = object;
    state.diagnostics.push({
      severity: 'error',
      file: origin.file,
      document: origin.document,
      message: `${object.kind} ${name} is defined twice: at ${place(earlier.origin)} and at ${place(origin)}; the later one is used`,
    });
    state.objects.delete(key);
  }
  state.objects.set(key, object);
}

/** A place for people: documents count from 1 here, as the CLI prints them. */
function place(origin: FileObject['origin']): string {
  return `${origin.file} (document ${origin.document + 1})`;
}
