import type { JsonObject } from './json.ts';
import type { FieldReader, ResourceType } from './resources.ts';
import { childObject, childString } from './json.ts';

/** One parsed term of a field selector. */
export interface FieldRequirement {
  readonly field: string;
  readonly equal: boolean;
  readonly value: string;
  readonly read: FieldReader;
}

/** A parsed selector, or the reason it could not be parsed. */
export type FieldSelectorResult =
  | { readonly ok: true; readonly requirements: readonly FieldRequirement[] }
  | { readonly ok: false; readonly error: string };

const META_FIELDS: Readonly<Record<string, FieldReader>> = {
  'metadata.name': (object) => childString(childObject(object, 'metadata'), 'name') ?? '',
  'metadata.namespace': (object) => childString(childObject(object, 'metadata'), 'namespace') ?? '',
};

/** Splits on unescaped `,`; a backslash escapes the next character. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '\\' && i + 1 < text.length) {
      current += char + (text[i + 1] ?? '');
      i++;
    } else if (char === ',') {
      terms.push(current);
      current = '';
    } else current += char;
  }
  terms.push(current);
  return terms;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function parseTerm(term: string): { field: string; equal: boolean; value: string } | undefined {
  const match = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
  if (!match) return undefined;
  const field = (match[1] ?? '').trim();
  return { field, equal: match[2] !== '!=', value: unescape(match[3] ?? '') };
}

/**
 * Parses a field selector (`metadata.name=x,type!=y`, also `==`) against the fields `type`
 * supports; an unsupported field is an error, as on a real server.
 */
export function parseFieldSelector(text: string, type: ResourceType): FieldSelectorResult {
  if (text.trim() === '') return { ok: true, requirements: [] };
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    const parsed = parseTerm(term);
    if (!parsed)
      return { ok: false, error: `invalid selector: '${text}'; can't understand '${term}'` };
    const read = META_FIELDS[parsed.field] ?? type.fields[parsed.field];
    if (!read) return { ok: false, error: `field label not supported: ${parsed.field}` };
    requirements.push({ ...parsed, read });
  }
  return { ok: true, requirements };
}

/** True when `object` satisfies every term. */
export function matchesFields(
  requirements: readonly FieldRequirement[],
  object: JsonObject,
): boolean {
  return requirements.every((term) => (term.read(object) === term.value) === term.equal);
}
