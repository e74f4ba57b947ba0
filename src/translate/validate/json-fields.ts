/**
 * Defensive readers for the untyped JSON of a manifest. A field of the wrong JSON type is
 * recorded as an InvalidObject problem; `null` reads as absent, as it does when the API server
 * decodes JSON into its typed structs.
 */
import type { Problem, ReasonCode } from '../../ir/index.ts';

/** Where problems are collected while one object is validated. */
export type ProblemSink = Problem[];

/** A JSON object (not an array, not null). */
export type JsonRecord = Readonly<Record<string, unknown>>;

/** Records one problem. */
export function report(sink: ProblemSink, code: ReasonCode, field: string, message: string): void {
  sink.push({ code, message, field });
}

/** Quotes a user value for a message, cut short so a huge value cannot flood the logs. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown);
}

/** Whether the value is a JSON object. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only, so keys such as `constructor` never reach the prototype. */
export function own(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

/** Records that a field has the wrong JSON type. */
export function wrongType(
  sink: ProblemSink,
  field: string,
  expected: string,
  value: unknown,
): void {
  report(sink, 'InvalidObject', field, `must be ${expected}, not ${typeName(value)}`);
}

/**
 * The result of reading an optional field: the value, `null` when absent (or JSON null), or
 * `undefined` when it has the wrong type (the problem is already recorded).
 */
export type Read<T> = T | null | undefined;

/** Reads an optional string field. */
export function readString(
  record: JsonRecord,
  key: string,
  field: string,
  sink: ProblemSink,
): Read<string> {
  const value = own(record, key);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  wrongType(sink, field, 'a string', value);
  return undefined;
}

/** Reads an optional object field. */
export function readRecord(
  record: JsonRecord,
  key: string,
  field: string,
  sink: ProblemSink,
): Read<JsonRecord> {
  const value = own(record, key);
  if (value === undefined || value === null) return null;
  if (isRecord(value)) return value;
  wrongType(sink, field, 'an object', value);
  return undefined;
}

/** Reads an optional array field. */
export function readArray(
  record: JsonRecord,
  key: string,
  field: string,
  sink: ProblemSink,
): Read<readonly unknown[]> {
  const value = own(record, key);
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value as readonly unknown[];
  wrongType(sink, field, 'an array', value);
  return undefined;
}

/**
 * Reads a list item that must be an object. `null` (what YAML gives for an empty list item)
 * reads as an empty object, as the API server decodes it into a zero-valued struct; anything
 * else that is not an object is recorded as InvalidObject and gives null.
 */
export function readItem(value: unknown, field: string, sink: ProblemSink): JsonRecord | null {
  if (value === null) return {};
  if (isRecord(value)) return value;
  wrongType(sink, field, 'an object', value);
  return null;
}

/**
 * Maps over an array from user input by index. Its own methods are never called, since a
 * hand-built object may shadow them.
 */
export function mapItems<T>(
  items: readonly unknown[],
  fn: (item: unknown, index: number) => T,
): T[] {
  const results: T[] = [];
  for (let index = 0; index < items.length; index++) results.push(fn(items[index], index));
  return results;
}

/** The result for an object that is not a JSON object at all (only hand-built input is). */
export function notAnObject(kind: string): { readonly ok: false; readonly problems: Problem[] } {
  return {
    ok: false,
    problems: [{ code: 'InvalidObject', message: `an ${kind} must be an object` }],
  };
}
