// docs/annotations.md lists every annotation the translator reads, and nothing else.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  BACKEND_PROTOCOL_ANNOTATIONS,
  FORCE_SSL_REDIRECT_ANNOTATIONS,
  LEGACY_CLASS_ANNOTATION,
  SSL_REDIRECT_ANNOTATIONS,
} from '../src/translate/index.ts';
import { DEFAULT_CLASS_ANNOTATION } from '../src/translate/validate/index.ts';

const READ = [
  ...BACKEND_PROTOCOL_ANNOTATIONS,
  ...SSL_REDIRECT_ANNOTATIONS,
  ...FORCE_SSL_REDIRECT_ANNOTATIONS,
  LEGACY_CLASS_ANNOTATION,
  DEFAULT_CLASS_ANNOTATION,
].sort();

test('docs/annotations.md names exactly the annotations the code reads', async () => {
  const doc = await readFile('docs/annotations.md', 'utf8');
  const rows = doc.split('\n').filter((line) => line.startsWith('| `'));
  const documented = rows
    .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]))
    .sort();
  assert.deepEqual(documented, READ);
});
