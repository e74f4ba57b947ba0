import { watch, type FSWatcher } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../../observability/index.ts';
import { describeError } from './describe-error.ts';
import { MANIFEST_EXTENSIONS } from './walk.ts';

/** Options of {@link watchManifests}. */
export interface WatchManifestsOptions {
  /** Events closer together than this are reported with one call. Default 50 ms. */
  readonly coalesceMs?: number;
  /** Where watcher errors go (they are never thrown). Default: dropped. */
  readonly logger?: Logger;
}

/** A running watch. */
export interface ManifestWatch {
  /** Settles once the watches are armed: changes made from then on are seen. Never rejects. */
  readonly ready: Promise<void>;
  /** Stops watching; no call to `onChange` follows. */
  close(): void;
}

/** The default of {@link WatchManifestsOptions.coalesceMs}: 50 ms. */
export const DEFAULT_WATCH_COALESCE_MS = 50;

/**
 * Watches the manifest paths that `loadManifests` reads and calls `onChange` (bursts coalesced)
 * when a `.yaml`, `.yml` or `.json` file under them is created, changed, renamed or deleted,
 * when a directory appears or goes, and when a path given is itself replaced or deleted.
 *
 * Each directory gets its own non-recursive `fs.watch`, and each given path is also watched
 * through its parent directory. Node's `recursive` option is not used: on Linux it is emulated
 * by watching every file's inode, which misses a later change or delete of a file once an
 * editor has saved it by renaming a temporary file over it. A directory watch sees names, so
 * atomic saves, wholesale replacement and the `..data` symlink swap of a mounted ConfigMap all
 * show up. Errors are logged, never thrown.
 */
export function watchManifests(
  paths: readonly string[],
  onChange: () => void,
  options: WatchManifestsOptions = {},
): ManifestWatch {
  return new ManifestWatcher(paths, onChange, options);
}

/** What a watched directory is watched for. */
interface Interest {
  /** Inside a watched tree: every manifest name counts. */
  tree: boolean;
  /** Names of given paths whose parent this is. */
  readonly names: Set<string>;
}

interface Watched {
  readonly watcher: FSWatcher;
  /** `dev:ino`, to notice a directory replaced under the same path. */
  readonly identity: string;
}

interface Plan {
  readonly interests: Map<string, Interest>;
  readonly identities: Map<string, string>;
  readonly seenReal: Set<string>;
}

class ManifestWatcher implements ManifestWatch {
  readonly ready: Promise<void>;
  readonly #paths: readonly string[];
  readonly #onChange: () => void;
  readonly #coalesceMs: number;
  readonly #logger: Logger;
  readonly #watched = new Map<string, Watched>();
  #interests = new Map<string, Interest>();
  #timer: NodeJS.Timeout | null = null;
  #changed = false;
  #busy = false;
  #again = false;
  #closed = false;

  constructor(paths: readonly string[], onChange: () => void, options: WatchManifestsOptions) {
    this.#paths = paths.map((path) => resolve(path));
    this.#onChange = onChange;
    this.#coalesceMs = options.coalesceMs ?? DEFAULT_WATCH_COALESCE_MS;
    this.#logger = options.logger ?? silentLogger();
    this.ready = this.#rescan(true).then(
      () => undefined,
      (error: unknown) => {
        this.#logger.warn({ err: error }, 'cannot set up the manifest watch');
      },
    );
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const { watcher } of this.#watched.values()) watcher.close();
    this.#watched.clear();
  }

  #onEvent(directory: string, filename: string | null): void {
    const interest = this.#interests.get(directory);
    if (interest === undefined) return;
    if (filename === null || interest.names.has(filename)) {
      this.#schedule(true);
    } else if (interest.tree) {
      // `..data` and its siblings: the atomic writer of mounted ConfigMaps and Secrets.
      if (filename.startsWith('..')) this.#schedule(true);
      else if (filename.startsWith('.')) return;
      // Anything else may be a directory coming or going: the rescan tells.
      else this.#schedule(isManifestName(filename));
    }
  }

  #schedule(change: boolean): void {
    if (change) this.#changed = true;
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, this.#coalesceMs);
  }

  async #flush(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    let changed = this.#changed;
    this.#changed = false;
    try {
      changed = (await this.#rescan(false)) || changed;
    } catch (error) {
      this.#logger.warn({ err: error }, 'cannot rescan the watched manifest directories');
      changed = true;
    }
    this.#busy = false;
    if (changed && !this.#closed) this.#notify();
    if (this.#again) {
      this.#again = false;
      this.#schedule(false);
    }
  }

  #notify(): void {
    try {
      this.#onChange();
    } catch (error) {
      this.#logger.error({ err: error }, 'manifest change handler failed');
    }
  }

  /** Brings the watches in line with the directories now present; true when that set changed. */
  async #rescan(initial: boolean): Promise<boolean> {
    const plan: Plan = { interests: new Map(), identities: new Map(), seenReal: new Set() };
    for (const path of this.#paths) await this.#planPath(path, plan);
    if (this.#closed) return false;
    this.#interests = plan.interests;
    let changed = false;
    for (const [directory, watched] of this.#watched) {
      if (plan.identities.get(directory) === watched.identity) continue;
      watched.watcher.close();
      this.#watched.delete(directory);
      changed = true;
    }
    for (const [directory, identity] of plan.identities) {
      if (this.#watched.has(directory)) continue;
      this.#open(directory, identity);
      changed = true;
    }
    return changed && !initial;
  }

  async #planPath(path: string, plan: Plan): Promise<void> {
    const parent = dirname(path);
    if (parent !== path && (await addDirectory(plan, parent))) {
      plan.interests.get(parent)?.names.add(basename(path));
    }
    if ((await stat(path).catch(() => null))?.isDirectory() === true) {
      await this.#planTree(path, plan);
    }
  }

  async #planTree(directory: string, plan: Plan): Promise<void> {
    // A symbolic link back up the tree must not loop forever.
    const real = await realpath(directory).catch(() => directory);
    if (plan.seenReal.has(real) || !(await addDirectory(plan, directory))) return;
    plan.seenReal.add(real);
    const interest = plan.interests.get(directory);
    if (interest !== undefined) interest.tree = true;
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = join(directory, entry.name);
      const isDirectory =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && (await stat(child).catch(() => null))?.isDirectory() === true);
      if (isDirectory) await this.#planTree(child, plan);
    }
  }

  #open(directory: string, identity: string): void {
    try {
      const watcher = watch(directory, { persistent: true }, (_event, filename) => {
        this.#onEvent(directory, filename);
      });
      watcher.on('error', (error) => {
        this.#logger.warn({ err: error, directory }, 'manifest directory watch failed');
        watcher.close();
        if (this.#watched.get(directory)?.watcher === watcher) this.#watched.delete(directory);
        this.#schedule(true);
      });
      this.#watched.set(directory, { watcher, identity });
    } catch (error) {
      this.#logger.warn(
        { directory, error: describeError(error) },
        'cannot watch manifest directory; its changes are not seen',
      );
    }
  }
}

/** Adds a directory to the plan if it exists; false when it does not. */
async function addDirectory(plan: Plan, directory: string): Promise<boolean> {
  if (plan.identities.has(directory)) return true;
  const stats = await stat(directory).catch(() => null);
  if (stats?.isDirectory() !== true) return false;
  plan.identities.set(directory, `${stats.dev}:${stats.ino}`);
  plan.interests.set(directory, { tree: false, names: new Set() });
  return true;
}

function isManifestName(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((extension) => name.endsWith(extension));
}
