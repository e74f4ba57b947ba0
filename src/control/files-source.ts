import type { ObjectRef, StoredObject } from '../objects/index.ts';
import type { Logger } from '../observability/index.ts';
import {
  ManifestLoader,
  watchManifests,
  type Diagnostic,
  type LoadOptions,
  type ManifestWatch,
} from '../sources/files/index.ts';
import type { ObjectStore } from '../store/index.ts';
import { keepObjectsOfBrokenFiles } from './keep-broken-files.ts';

/** Options of {@link FilesSource}. */
export interface FilesSourceOptions {
  /** Files and directories of manifests, as for `loadManifests`. */
  readonly paths: readonly string[];
  readonly store: ObjectStore;
  /** A child with `component: 'files'` is taken. */
  readonly logger: Logger;
  /** The id under which the objects go into the store. Default `'files'`. */
  readonly sourceId?: string;
  /** Reload when the files change. Default true. */
  readonly watch?: boolean;
  /** Passed to `watchManifests`. Default its own (50 ms). */
  readonly coalesceMs?: number;
  readonly loadOptions?: LoadOptions;
}

/**
 * The standalone YAML source: loads the manifests into the store, and reloads them whenever
 * the watch sees a change. Only files that changed since the last load are read again; the
 * objects of the others are handed to the store as the same objects (see {@link ManifestLoader}).
 * An object that disappears because its file now has errors keeps its
 * last loaded version (see {@link keepObjectsOfBrokenFiles}). Load diagnostics are logged when
 * they first appear and are kept for the admin views.
 */
export class FilesSource {
  readonly #paths: readonly string[];
  readonly #store: ObjectStore;
  readonly #logger: Logger;
  readonly #sourceId: string;
  readonly #watchEnabled: boolean;
  readonly #coalesceMs: number | undefined;
  readonly #loader: ManifestLoader;
  #watch: ManifestWatch | null = null;
  #objects: readonly StoredObject[] = [];
  #kept: readonly ObjectRef[] = [];
  #diagnostics: readonly Diagnostic[] = [];
  #logged = new Set<string>();
  #pump: Promise<void> | null = null;
  #dirty = false;
  #closed = false;

  constructor(options: FilesSourceOptions) {
    this.#paths = options.paths;
    this.#store = options.store;
    this.#logger = options.logger.child({ component: 'files' });
    this.#sourceId = options.sourceId ?? 'files';
    this.#watchEnabled = options.watch ?? true;
    this.#coalesceMs = options.coalesceMs;
    this.#loader = new ManifestLoader(options.loadOptions);
  }

  /** The diagnostics of the last load, with a note for each object kept from a broken file. */
  get diagnostics(): readonly Diagnostic[] {
    return this.#diagnostics;
  }

  /** Objects served as last loaded because their file now has errors. */
  get kept(): readonly ObjectRef[] {
    return this.#kept;
  }

  /** Arms the watch (when enabled), then loads once; resolves when the objects are in the store. */
  async start(): Promise<void> {
    if (this.#watchEnabled && this.#watch === null) {
      const options =
        this.#coalesceMs === undefined
          ? { logger: this.#logger }
          : { logger: this.#logger, coalesceMs: this.#coalesceMs };
      this.#watch = watchManifests(
        this.#paths,
        () => {
          void this.reload();
        },
        options,
      );
      await this.#watch.ready;
    }
    await this.reload();
  }

  /**
   * Loads the manifests again. Calls while a load runs are coalesced into one more load after
   * it; the promise settles once the files as they were at the call are in the store. Never
   * rejects.
   */
  reload(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#dirty = true;
    this.#pump ??= this.#drain();
    return this.#pump;
  }

  /** Stops watching; a load in progress still finishes but changes nothing. */
  close(): void {
    this.#closed = true;
    this.#watch?.close();
    this.#watch = null;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        try {
          await this.#loadOnce();
        } catch (error) {
          this.#logger.error({ err: error }, 'manifest reload failed');
        }
      }
    } finally {
      this.#pump = null;
    }
  }

  async #loadOnce(): Promise<void> {
    let load;
    try {
      load = await this.#loader.load(this.#paths);
    } catch (error) {
      this.#logger.error({ err: error }, 'cannot load manifests; the objects stay as they were');
      return;
    }
    if (this.#closed) return;
    const outcome = keepObjectsOfBrokenFiles(this.#objects, load);
    this.#objects = outcome.objects;
    this.#kept = outcome.kept.map(({ kind, namespace, name }) => ({ kind, namespace, name }));
    this.#diagnostics = outcome.diagnostics;
    this.#logNewDiagnostics(outcome.diagnostics);
    const changed = this.#store.replaceSource(this.#sourceId, outcome.objects);
    this.#logger.debug(
      {
        files: load.files.length,
        objects: outcome.objects.length,
        kept: outcome.kept.length,
        changed,
      },
      'manifests loaded',
    );
  }

  /** Logs each diagnostic once while it lasts, so an unrelated reload does not repeat it. */
  #logNewDiagnostics(diagnostics: readonly Diagnostic[]): void {
    const current = new Set<string>();
    for (const diagnostic of diagnostics) {
      const key = JSON.stringify(diagnostic);
      current.add(key);
      if (this.#logged.has(key)) continue;
      const fields = { file: diagnostic.file, document: diagnostic.document };
      if (diagnostic.severity === 'error') this.#logger.warn(fields, diagnostic.message);
      else this.#logger.info(fields, diagnostic.message);
    }
    this.#logged = current;
  }
}
