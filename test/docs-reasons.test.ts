// docs/reasons.md lists every reason code the translator can give, and nothing else.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { REASONS } from '../src/ir/index.ts';

test('docs/reasons.md lists exactly the reason codes of src/ir/results.ts', async () => {
  const doc = await readFile('docs/reasons.md', 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Za-z]+)` +\|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.keys(REASONS).sort());
});
