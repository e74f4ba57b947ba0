import { isProtectedHeader, type HeaderOperation } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';

/** A header list as `[name, value]` pairs, one per line, in order. */
export type HeaderPairs = [string, string][];

/** What an operation's `-s` and `-t` conditions are checked against. */
export interface OperationScope {
  /** The response status; undefined for a request, where status conditions never hold. */
  readonly status?: number;
  readonly facts: RequestFacts;
}

/**
 * Applies a route's header operations, in order, to a header list: set replaces every line of
 * its name (an empty value removes them), add appends a line (none when empty), remove drops
 * lines by name or name prefix. Hop-by-hop and framing headers are never touched, whatever
 * the table says. Values are filled in from the request with unsafe bytes percent-encoded, so
 * no variable can end a header line.
 */
export function applyHeaderOperations(
  pairs: HeaderPairs,
  operations: readonly HeaderOperation[],
  scope: OperationScope,
): HeaderPairs {
  let out = pairs;
  for (const op of operations) {
    if (isProtectedHeader(op.name) || !applies(op, out, scope)) continue;
    if (op.action === 'remove') {
      out = out.filter(([name]) => !removes(op.name, op.prefix === true, name.toLowerCase()));
      continue;
    }
    const value = expandTemplate(op.value, scope.facts);
    if (op.action === 'add') {
      if (value !== '') out.push([op.name, value]);
      continue;
    }
    const present = out.some(([name]) => name.toLowerCase() === op.name);
    if (op.onlyIfPresent === true && !present) continue;
    if (present) out = out.filter(([name]) => name.toLowerCase() !== op.name);
    if (value !== '') out.push([op.name, value]);
  }
  return out;
}

function removes(wanted: string, prefix: boolean, name: string): boolean {
  if (isProtectedHeader(name)) return false;
  return prefix ? name.startsWith(wanted) : name === wanted;
}

function applies(op: HeaderOperation, pairs: HeaderPairs, scope: OperationScope): boolean {
  if (op.statuses !== undefined) {
    if (scope.status === undefined || !op.statuses.includes(scope.status)) return false;
  }
  if (op.types !== undefined) {
    const type = pairs.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
    const media = (type.split(';')[0] ?? '').trim().toLowerCase();
    if (!op.types.includes(media)) return false;
  }
  return true;
}

/** A flat `[name, value, ...]` list (values may be arrays, as response heads give them) as pairs. */
export function toPairs(flat: readonly (string | readonly string[])[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string | readonly string[];
    if (typeof value === 'string') pairs.push([name, value]);
    else for (const line of value) pairs.push([name, line]);
  }
  return pairs;
}

/** Pairs as a flat `[name, value, ...]` list. */
export function fromPairs(pairs: HeaderPairs): string[] {
  return pairs.flat();
}
