import { normalizeObject } from './normalize-object.ts';
import { describeType, isMapping } from './plain-data.ts';
import type { Mapping } from './plain-data.ts';
import type { Candidate, Finding } from './types.ts';

/** What one YAML document holds: the objects taken and the findings about the rest. */
export interface DocumentOutcome {
  readonly candidates: Candidate[];
  readonly findings: Finding[];
}

// kubectl nests Lists in Lists at most a level or two; a bound keeps recursion shallow.
const MAX_LIST_DEPTH = 4;

/**
 * Reads the plain data of one document: one object, or a `List` (also typed ones such as
 * `IngressList`) whose items are each read. Kinds pointsman does not read yield a note.
 */
export function normalizeDocument(value: unknown): DocumentOutcome {
  const outcome: DocumentOutcome = { candidates: [], findings: [] };
  collect(value, '', 0, outcome);
  return outcome;
}

function collect(value: unknown, prefix: string, depth: number, out: DocumentOutcome): void {
  const fail = (message: string): void => {
    out.findings.push({ severity: 'error', message: prefix + message });
  };
  if (!isMapping(value)) {
    fail(`expected an object (a mapping), found ${describeType(value)}`);
    return;
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    fail('missing apiVersion (a non-empty string)');
    return;
  }
  if (typeof kind !== 'string' || kind === '') {
    fail('missing kind (a non-empty string)');
    return;
  }
  if (isListKind(kind)) {
    if (depth >= MAX_LIST_DEPTH) {
      fail(`${kind} nested in more than ${MAX_LIST_DEPTH} Lists`);
      return;
    }
    collectItems(value, apiVersion, kind, prefix, depth, out);
    return;
  }
  const outcome = normalizeObject(value, apiVersion, kind);
  if ('candidate' in outcome) out.candidates.push(outcome.candidate);
  else out.findings.push({ ...outcome.finding, message: prefix + outcome.finding.message });
}

function collectItems(
  list: Mapping,
  apiVersion: string,
  kind: string,
  prefix: string,
  depth: number,
  out: DocumentOutcome,
): void {
  const items = list['items'];
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) {
    out.findings.push({
      severity: 'error',
      message: `${prefix}${kind} items must be a list, not ${describeType(items)}`,
    });
    return;
  }
  const itemKind = kind === 'List' ? null : kind.slice(0, -'List'.length);
  items.forEach((item: unknown, index) => {
    const filled = itemKind === null ? item : fillTypeMeta(item, apiVersion, itemKind);
    collect(filled, `${prefix}items[${index}]: `, depth + 1, out);
  });
}

/** True for `List` and for typed lists such as `IngressList`. */
function isListKind(kind: string): boolean {
  return kind.endsWith('List');
}

/** The API returns typed lists (`IngressList`) with kind and apiVersion left off the items. */
function fillTypeMeta(item: unknown, apiVersion: string, kind: string): unknown {
  if (!isMapping(item)) return item;
  return { ...item, apiVersion: item['apiVersion'] ?? apiVersion, kind: item['kind'] ?? kind };
}
