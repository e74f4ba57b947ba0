export { loadManifests, ManifestLoader } from './load-manifests.ts';
export { DEFAULT_MAX_FILE_BYTES } from './types.ts';
export type { Diagnostic, LoadOptions, ManifestLoad } from './types.ts';
export * from './watch-manifests.ts';
