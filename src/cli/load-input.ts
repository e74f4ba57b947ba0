import type { ObjectResult } from '../ir/index.ts';
import { snapshotOf, type Snapshot } from '../objects/index.ts';
import { loadManifests, type Diagnostic } from '../sources/files/index.ts';
import { translate, type TranslateOptions, type Translation } from '../translate/index.ts';

/** Manifests loaded and translated once, for the one-shot commands. */
export interface LoadedInput {
  readonly snapshot: Snapshot;
  readonly diagnostics: readonly Diagnostic[];
  readonly translation: Translation;
  /** Whether a file or object had errors (the commands then exit 1). */
  readonly hasErrors: boolean;
}

/** Loads the manifests and translates them. */
export async function loadInput(
  paths: readonly string[],
  options: TranslateOptions,
): Promise<LoadedInput> {
  const load = await loadManifests(paths);
  const snapshot = snapshotOf(load.objects);
  // Certificates are checked against the time of the run.
  const translation = translate(snapshot, { ...options, now: options.now ?? Date.now() });
  const hasErrors =
    load.diagnostics.some((d) => d.severity === 'error') ||
    translation.results.some((r) => r.state === 'Rejected');
  return { snapshot, diagnostics: load.diagnostics, translation, hasErrors };
}

/** One line per load diagnostic and per rejected object, for stderr. */
export function describeInputErrors(input: LoadedInput): string {
  const lines: string[] = [];
  for (const d of input.diagnostics) {
    const where = d.document === null ? d.file : `${d.file} (document ${String(d.document + 1)})`;
    lines.push(`${d.severity}: ${where}: ${d.message}`);
  }
  for (const result of input.translation.results) {
    if (result.state === 'Rejected') lines.push(describeRejection(result));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function describeRejection(result: ObjectResult): string {
  const origin = result.origin
    ? ` (${result.origin.file}, document ${String(result.origin.document + 1)})`
    : '';
  const name = result.namespace ? `${result.namespace}/${result.name}` : result.name;
  const reasons = result.problems
    .map((p) => `\n    ${p.code}${p.field ? ` at ${p.field}` : ''}: ${p.message}`)
    .join('');
  return `error: ${result.kind} ${name}${origin} rejected:${reasons}`;
}
