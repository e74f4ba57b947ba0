import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

let loaded: typeof RE2JS | undefined;

/**
 * re2js's RE2JS class, loaded on first use through `require` (its CommonJS build) rather than
 * imported: a data-plane worker whose table has no regex path and no certificate rule never
 * loads it, which keeps about 1 MiB out of an idle worker's RSS (docs/workers.md). Every module
 * takes the class from here, so a process holds one copy of it.
 */
export function re2js(): typeof RE2JS {
  loaded ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;
  return loaded;
}
