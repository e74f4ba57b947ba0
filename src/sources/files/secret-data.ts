import type { KubeObject } from '../../objects/index.ts';
import { describeType, isMapping } from './plain-data.ts';

// Standard alphabet with padding, as the API server decodes `data` (Go's StdEncoding).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A Secret with `stringData` folded into `data`, or why it cannot be loaded. */
export type SecretResult = { readonly object: KubeObject } | { readonly error: string };

/**
 * Does what the API server does on write: `stringData` entries are base64-encoded into `data`
 * (winning over `data` entries of the same key) and `stringData` disappears. Every `data` value
 * must be a base64 string. Returns a copy; the input is not changed.
 */
export function normalizeSecretData(secret: KubeObject): SecretResult {
  const { stringData, ...rest } = secret;
  if (rest['data'] == null && stringData == null) return { object: rest };
  const data = readData(rest['data']);
  if ('error' in data) return data;
  const strings = readStringData(stringData);
  if ('error' in strings) return strings;
  return { object: { ...rest, data: { ...data.entries, ...strings.entries } } };
}

type Entries = { readonly entries: Record<string, string> } | { readonly error: string };

function readData(data: unknown): Entries {
  if (data == null) return { entries: {} };
  if (!isMapping(data)) return { error: `data must be a mapping, not ${describeType(data)}` };
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      return { error: `data.${key} must be a base64 string, not ${describeType(value)}` };
    }
    // The API server's decoder skips line breaks, so wrapped base64 is valid.
    const encoded = value.replace(/[\r\n]/g, '');
    if (!BASE64.test(encoded)) return { error: `data.${key} is not valid base64` };
    entries.push([key, encoded]);
  }
  return { entries: Object.fromEntries(entries) };
}

function readStringData(stringData: unknown): Entries {
  if (stringData == null) return { entries: {} };
  if (!isMapping(stringData)) {
    return { error: `stringData must be a mapping, not ${describeType(stringData)}` };
  }
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value !== 'string') {
      return { error: `stringData.${key} must be a string, not ${describeType(value)}` };
    }
    entries.push([key, Buffer.from(value, 'utf8').toString('base64')]);
  }
  return { entries: Object.fromEntries(entries) };
}
