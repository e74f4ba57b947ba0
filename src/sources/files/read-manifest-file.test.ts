import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readManifestFile } from './read-manifest-file.ts';
import { DEFAULT_MAX_FILE_BYTES } from './types.ts';

const temp = await mkdtemp(join(tmpdir(), 'pointsman-read-'));
after(() => rm(temp, { recursive: true, force: true }));

/** What was read, without the stamp (which tests of its own look at). */
async function read(path: string, maxBytes: number): Promise<Record<string, unknown>> {
  const { stamp, ...rest } = await readManifestFile(path, maxBytes);
  assert.ok(stamp === undefined || typeof stamp === 'string');
  return rest;
}

test('reads a file as text', async () => {
  const file = join(temp, 'small.yaml');
  await writeFile(file, 'a: é\n');
  assert.deepEqual(await read(file, DEFAULT_MAX_FILE_BYTES), { text: 'a: é\n' });
});

test('refuses a file just above the default bound without reading it', async () => {
  const file = join(temp, 'huge.yaml');
  await writeFile(file, '');
  await truncate(file, DEFAULT_MAX_FILE_BYTES + 1);
  assert.deepEqual(await read(file, DEFAULT_MAX_FILE_BYTES), {
    error: `file is larger than the limit of ${DEFAULT_MAX_FILE_BYTES} bytes; not loaded`,
  });
});

test('refuses a directory', async () => {
  assert.deepEqual(await read(temp, 100), {
    error: 'cannot read: not a regular file',
  });
});

// Files under /proc report size 0, so only the bounded read itself can see how long they are.
const PROC_FILE = '/proc/self/status';
test(
  'bounds the read itself, not only the reported size',
  { skip: !existsSync(PROC_FILE) },
  async () => {
    assert.deepEqual(await read(PROC_FILE, 10), {
      error: 'file is larger than the limit of 10 bytes; not loaded',
    });
    const whole = await readManifestFile(PROC_FILE, DEFAULT_MAX_FILE_BYTES);
    assert.ok('text' in whole && whole.text.includes('Name:'));
  },
);

test('stamps a file: the same while it is left alone, another once it is rewritten', async () => {
  const file = join(temp, 'stamped.yaml');
  await writeFile(file, 'a: 1\n');
  const first = await readManifestFile(file, 100);
  const again = await readManifestFile(file, 100);
  assert.ok(first.stamp !== undefined);
  assert.equal(again.stamp, first.stamp);
  await writeFile(file, 'a: 2\n');
  const rewritten = await readManifestFile(file, 100);
  assert.notEqual(rewritten.stamp, first.stamp);
  assert.equal((await readManifestFile(join(temp, 'missing.yaml'), 100)).stamp, undefined);
});
