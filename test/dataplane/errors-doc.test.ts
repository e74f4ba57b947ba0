// docs/errors.md lists exactly the codes of src/dataplane/errors.ts, with the same status and
// meaning, in the same order.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PROXY_ERRORS } from '../../src/dataplane/errors.ts';

test('docs/errors.md and the error table agree', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [
    ...doc.matchAll(/^\|\s*`(PM_ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/gm),
  ].map(([, code, status, summary]) => ({ code, status: Number(status), summary }));
  const table = Object.entries(PROXY_ERRORS).map(([code, { status, summary }]) => ({
    code,
    status,
    summary,
  }));
  assert.deepEqual(rows, table);
});

test('every code is mentioned nowhere else with another status', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const mentioned = new Set(doc.match(/PM_ERR_[A-Z0-9_]+/g));
  for (const code of mentioned) assert.ok(code in PROXY_ERRORS, `${code} is not a known code`);
});
