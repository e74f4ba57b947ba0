import { parseFieldSelector, type FieldRequirement } from './field-selector.ts';
import { parseLabelSelector, type LabelRequirement } from './label-selector.ts';
import type { ResourceType } from './resources.ts';
import { failure, type KubeStatus } from './status.ts';

/** Parsed selectors, or the Status to answer. */
export type Selectors =
  | {
      readonly ok: true;
      readonly labels: readonly LabelRequirement[];
      readonly fields: readonly FieldRequirement[];
    }
  | { readonly ok: false; readonly status: KubeStatus };

/** Parses `labelSelector` and `fieldSelector`; a bad one is a 400. */
export function selectorsOf(query: URLSearchParams, type: ResourceType): Selectors {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  if (!labels.ok)
    return { ok: false, status: failure(400, `unable to parse requirement: ${labels.error}`) };
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', type);
  if (!fields.ok) return { ok: false, status: failure(400, fields.error) };
  return { ok: true, labels: labels.requirements, fields: fields.requirements };
}

/** A boolean query parameter as the API server reads it (`true`, `1`, `t`, ...). */
export function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/** `dryRun`: absent, or `All`; anything else is a 400. */
export function dryRunOf(query: URLSearchParams): boolean | KubeStatus {
  const values = query.getAll('dryRun');
  if (values.some((value) => value !== 'All'))
    return failure(
      400,
      `dryRun: Unsupported value: ${JSON.stringify(values)}: supported values: "All"`,
    );
  return values.length > 0;
}

/** `fieldValidation`: accepted (and not enforced) when Strict, Warn or Ignore. */
export function fieldValidationProblem(query: URLSearchParams): KubeStatus | undefined {
  const value = query.get('fieldValidation');
  if (value === null || ['', 'Strict', 'Warn', 'Ignore'].includes(value)) return undefined;
  return failure(
    400,
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** A non-negative integer parameter; `undefined` when absent, a Status when malformed. */
export function integerOf(query: URLSearchParams, name: string): number | undefined | KubeStatus {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    return failure(400, `${name}: must be a non-negative integer, got "${value}"`);
  return Number(value);
}
