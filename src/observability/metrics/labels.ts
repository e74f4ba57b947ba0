import type { RequestRecord } from '../../dataplane/index.ts';

/** Methods that get a label value of their own; any other is `other`. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The method label values, in a fixed order (the index is {@link methodIndex}). */
export const METHOD_CLASSES: readonly string[] = [...METHODS, 'other'];

/** The status label values, in a fixed order (the index is {@link statusIndex}). */
export const STATUS_CLASSES: readonly string[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Index of a method in {@link METHOD_CLASSES}. Methods are case-sensitive (RFC 9110 section
 * 9.1): `get` is not GET, and counts as `other`, like any method a client makes up.
 */
export function methodIndex(method: string): number {
  const index = (METHODS as readonly string[]).indexOf(method);
  return index < 0 ? METHODS.length : index;
}

/** Index of a status in {@link STATUS_CLASSES}; out-of-range statuses count as 5xx. */
export function statusIndex(status: number): number {
  const index = Math.floor(status / 100) - 1;
  return index >= 0 && index < 5 ? index : 4;
}

/**
 * The `host` label: the matched rule's host as the route table has it, `*` for a rule without
 * a host, `''` for the default backend and for requests that matched nothing.
 */
export function hostLabel(record: RequestRecord): string {
  const match = record.match;
  if (match?.kind !== 'rule') return '';
  const host = record.ruleHost;
  return host === '' ? '*' : host;
}
