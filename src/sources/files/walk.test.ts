import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, test } from 'node:test';
import { walkPath } from './walk.ts';

const TREE = join(import.meta.dirname, '../../../test/fixtures/files-source/tree');
const temp = await mkdtemp(join(tmpdir(), 'pointsman-walk-'));
after(() => rm(temp, { recursive: true, force: true }));

test('walks a directory recursively, in path order, skipping hidden and other files', async () => {
  const result = await walkPath(TREE);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(
    result.files,
    ['a-b.json', 'a.yaml', join('a', 'inner.yml'), join('c', 'd', 'deep.yaml')].map(
      (file) => TREE + sep + file,
    ),
  );
});

test('keeps the directory as given, without doubling a trailing separator', async () => {
  const result = await walkPath(TREE + sep);
  assert.equal(result.files[0], `${TREE}${sep}a-b.json`);
});

test('takes a named file whatever its extension', async () => {
  const file = join(TREE, 'readme.txt');
  assert.deepEqual(await walkPath(file), { files: [file], diagnostics: [] });
});

test('a missing path is an error about that path', async () => {
  const missing = join(temp, 'missing.yaml');
  assert.deepEqual(await walkPath(missing), {
    files: [],
    diagnostics: [
      {
        severity: 'error',
        file: missing,
        document: null,
        message: 'cannot read: no such file or directory',
      },
    ],
  });
});

test('an empty directory gets a note', async () => {
  const empty = join(temp, 'empty');
  await mkdir(empty);
  const result = await walkPath(empty);
  assert.deepEqual(result.files, []);
  assert.equal(result.diagnostics[0]?.severity, 'note');
});

test('follows symbolic links as in a mounted ConfigMap, without looping', async () => {
  const mount = join(temp, 'configmap');
  await mkdir(join(mount, '..2026_01_01'), { recursive: true });
  await writeFile(join(mount, '..2026_01_01', 'ingress.yaml'), 'kind: x\n');
  await symlink('..2026_01_01', join(mount, '..data'));
  await symlink(join('..data', 'ingress.yaml'), join(mount, 'ingress.yaml'));
  await symlink('.', join(mount, 'loop'));
  await symlink('nowhere.txt', join(mount, 'dangling.txt'));
  const result = await walkPath(mount);
  assert.deepEqual(result, { files: [join(mount, 'ingress.yaml')], diagnostics: [] });
});

test('a dangling link where a manifest was expected is an error', async () => {
  const dir = join(temp, 'dangling');
  await mkdir(dir);
  await symlink('nowhere.yaml', join(dir, 'gone.yaml'));
  const result = await walkPath(dir);
  assert.deepEqual(result.files, []);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.severity, d.file]),
    [['error', join(dir, 'gone.yaml')]],
  );
});

test('a named pipe is refused without blocking', async (t) => {
  const fifo = join(temp, 'pipe.yaml');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  const result = await walkPath(fifo);
  assert.deepEqual(result.files, []);
  assert.equal(result.diagnostics[0]?.message, 'not a regular file or directory');
  assert.deepEqual((await walkPath(temp)).files.includes(fifo), false);
});

test('an unreadable subdirectory is an error, the rest still walked', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('root reads every directory');
    return;
  }
  const dir = join(temp, 'locked-parent');
  await mkdir(join(dir, 'locked'), { recursive: true });
  await writeFile(join(dir, 'open.yaml'), 'a: 1\n');
  await chmod(join(dir, 'locked'), 0o000);
  const result = await walkPath(dir);
  await chmod(join(dir, 'locked'), 0o755);
  assert.deepEqual(result.files, [join(dir, 'open.yaml')]);
  assert.equal(result.diagnostics[0]?.file, join(dir, 'locked'));
});
