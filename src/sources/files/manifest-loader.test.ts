import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { StoredObject } from '../../objects/index.ts';
import { loadManifests, ManifestLoader } from './index.ts';
import type { ManifestLoad } from './index.ts';

const temp = await mkdtemp(join(tmpdir(), 'pointsman-loader-'));
after(() => rm(temp, { recursive: true, force: true }));

const service = (name: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n`;
const services = (...names: string[]): string => names.map(service).join('---\n');

let directories = 0;
async function directory(files: Record<string, string>): Promise<string> {
  const dir = join(temp, `d${String(directories++)}`);
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Saves as editors do: a new file renamed over the old one. */
async function save(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

function byName(load: ManifestLoad, name: string): StoredObject {
  const object = load.objects.find((o) => o.name === name);
  assert.ok(object, `no object ${name}`);
  return object;
}

const names = (load: ManifestLoad): string[] => load.objects.map((o) => o.name);

test("an unchanged file's objects and diagnostics are the same objects at the next load", async () => {
  const dir = await directory({
    'a.yaml': services('a1', 'a2'),
    'b.yaml': `${service('b1')}---\nkind: [\n`,
  });
  const loader = new ManifestLoader();
  const first = await loader.load([dir]);
  const second = await loader.load([dir]);
  assert.equal(second.objects.length, 3);
  second.objects.forEach((object, index) => {
    assert.equal(object, first.objects[index]);
  });
  assert.equal(second.diagnostics.length, 1);
  assert.equal(second.diagnostics[0], first.diagnostics[0]);
});

test('an edit elsewhere, even a document added before them, leaves other files as they were', async () => {
  const dir = await directory({
    'a.yaml': services('a1'),
    'b.yaml': services('b1', 'b2'),
    'c.yaml': services('c1'),
  });
  const loader = new ManifestLoader();
  const first = await loader.load([dir]);
  await save(join(dir, 'a.yaml'), services('a0', 'a1', 'a2'));
  const second = await loader.load([dir]);
  assert.deepEqual(names(second), ['a0', 'a1', 'a2', 'b1', 'b2', 'c1']);
  for (const name of ['b1', 'b2', 'c1']) {
    assert.equal(byName(second, name), byName(first, name), `${name} keeps its identity`);
  }
  assert.ok(byName(second, 'a2').sequence < byName(second, 'b1').sequence);
  assert.ok(byName(second, 'a0').sequence < byName(second, 'a1').sequence);
});

test('a changed file is read again, also when its size stays the same', async () => {
  const file = join(await directory({}), 'one.yaml');
  await writeFile(file, services('x1'));
  const loader = new ManifestLoader();
  const first = await loader.load([file]);
  await writeFile(file, services('x2'));
  const second = await loader.load([file]);
  assert.deepEqual(names(first), ['x1']);
  assert.deepEqual(names(second), ['x2']);
  await writeFile(file, 'kind: [\n');
  const broken = await loader.load([file]);
  assert.deepEqual(names(broken), []);
  assert.equal(broken.diagnostics[0]?.severity, 'error');
});

test('a file added between two others takes numbers between theirs and moves neither', async () => {
  const dir = await directory({ 'a.yaml': services('a'), 'c.yaml': services('c') });
  const loader = new ManifestLoader();
  const first = await loader.load([dir]);
  await writeFile(join(dir, 'b.yaml'), services('b'));
  const second = await loader.load([dir]);
  assert.deepEqual(names(second), ['a', 'b', 'c']);
  assert.equal(byName(second, 'a'), byName(first, 'a'));
  assert.equal(byName(second, 'c'), byName(first, 'c'));
  const [a, b, c] = second.objects.map((o) => o.sequence);
  assert.ok(a !== undefined && b !== undefined && c !== undefined && a < b && b < c);
  await rm(join(dir, 'a.yaml'));
  const third = await loader.load([dir]);
  assert.deepEqual(names(third), ['b', 'c']);
  assert.equal(byName(third, 'b'), byName(second, 'b'), 'a file removed moves no other');
});

test('a duplicate across files is still found when neither file changed', async () => {
  const dir = await directory({ 'a.yaml': services('web'), 'b.yaml': services('web') });
  const loader = new ManifestLoader();
  await loader.load([dir]);
  const second = await loader.load([dir]);
  assert.equal(second.objects.length, 1);
  assert.equal(
    second.objects[0]?.origin.source === 'file' && second.objects[0].origin.file,
    join(dir, 'b.yaml'),
  );
  assert.match(second.diagnostics[0]?.message ?? '', /defined twice/);
});

test('in a changed file, documents that did not change keep their objects', async () => {
  const file = join(await directory({}), 'many.yaml');
  await writeFile(file, services('s1', 's2', 's3'));
  const loader = new ManifestLoader();
  const first = await loader.load([file]);
  await save(file, services('s1', 's2-edited', 's3'));
  const second = await loader.load([file]);
  assert.deepEqual(names(second), ['s1', 's2-edited', 's3']);
  assert.equal(byName(second, 's1'), byName(first, 's1'));
  assert.equal(byName(second, 's3'), byName(first, 's3'));
});

test('documents moved within a changed file get their new places, notes and errors too', async () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n';
  const broken = 'apiVersion: v1\nkind: "Service\n';
  const file = join(await directory({}), 'moved.yaml');
  await writeFile(file, [service('s1'), deployment, broken].join('---\n'));
  const loader = new ManifestLoader();
  const first = await loader.load([file]);
  await save(file, [service('s0'), service('s1'), deployment, broken].join('---\n'));
  const second = await loader.load([file]);
  const fresh = await loadManifests([file]);
  assert.deepEqual(second, fresh, 'the same as a load from scratch');
  assert.deepEqual(byName(second, 's1').origin, { source: 'file', file, document: 1 });
  assert.notEqual(byName(second, 's1'), byName(first, 's1'));
  assert.deepEqual(
    second.diagnostics.map((d) => [d.severity, d.document]),
    [
      ['note', 2],
      ['error', 3],
    ],
  );
});
