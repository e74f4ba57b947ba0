import type { KubeObject, ObjectKind, StoredObject } from '../../objects/index.ts';

/** A problem (or a remark) found while loading manifests; loading never throws on user input. */
export interface Diagnostic {
  readonly severity: 'error' | 'note';
  /** The file or path the problem is in, as the user gave it (joined with the walk path). */
  readonly file: string;
  /** 0-based index of the YAML document in the file; null for problems with the whole file. */
  readonly document: number | null;
  readonly message: string;
}

/** What one `loadManifests` call found. */
export interface ManifestLoad {
  /** The objects pointsman reads, in load order, the later of two duplicates kept. */
  readonly objects: StoredObject[];
  readonly diagnostics: Diagnostic[];
  /** Every file that was opened (or tried), in load order: what a watcher should watch. */
  readonly files: string[];
}

/** Options of `loadManifests`. */
export interface LoadOptions {
  /** Files larger than this are refused with an error diagnostic. Default 16 MiB. */
  readonly maxFileBytes?: number;
}

/** The default of `LoadOptions.maxFileBytes`: 16 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** An object taken from a document, before it gets its origin and sequence. */
export interface Candidate {
  readonly kind: ObjectKind;
  readonly namespace: string;
  readonly name: string;
  readonly object: KubeObject;
}

/** A problem with one document, before it gets its file and document index. */
export interface Finding {
  readonly severity: 'error' | 'note';
  readonly message: string;
}
