// Golden translation tests: each test/golden/translate/NAME.in.yaml holds kubectl-appliable
// objects; NAME.out.yaml holds the route table and the per-object results translate() gives for
// them. Regenerate with `npm run test:golden-update` and review the diff.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { snapshotOf } from '../src/objects/index.ts';
import { loadManifests } from '../src/sources/files/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, translate } from '../src/translate/index.ts';

const DIR = join('test', 'golden', 'translate');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
// Certificates are checked against this fixed time, so the goldens never age: the golden
// certificates are valid for a century, except the one that must be expired.
const NOW = Date.parse('2030-01-01T00:00:00Z');

const inputs = (await readdir(DIR)).filter((name) => name.endsWith('.in.yaml')).sort();

test('there are golden cases', () => {
  assert.ok(inputs.length >= 7, `only ${String(inputs.length)} golden inputs found in ${DIR}`);
});

for (const input of inputs) {
  test(`golden: ${input}`, async () => {
    const inPath = join(DIR, input);
    const outPath = inPath.replace(/\.in\.yaml$/, '.out.yaml');
    const load = await loadManifests([inPath]);
    // A line `# translate-options: {JSON}` in the input sets options such as the flags.
    const optionsLine = /^# translate-options: (.*)$/m.exec(await readFile(inPath, 'utf8'));
    const { table, results } = translate(snapshotOf(load.objects), {
      ...DEFAULT_TRANSLATE_OPTIONS,
      ...(optionsLine?.[1] === undefined ? {} : (JSON.parse(optionsLine[1]) as object)),
      now: NOW,
    });
    const actual = stringify(
      { loadDiagnostics: load.diagnostics, table, results },
      { lineWidth: 0, aliasDuplicateObjects: false },
    );
    if (UPDATE) {
      await writeFile(outPath, actual);
      return;
    }
    const expected = await readFile(outPath, 'utf8').catch(() => '');
    assert.equal(
      actual,
      expected,
      `${outPath} differs; rerun with UPDATE_GOLDEN=1 and review the diff`,
    );
  });
}
