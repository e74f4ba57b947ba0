import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { watchManifests, type ManifestWatch } from './watch-manifests.ts';

const WAIT_MS = 5000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A temporary directory, removed after the test. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-watch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a watch and gives a way to wait (bounded) for the next change. */
async function watching(paths: string[]) {
  let count = 0;
  let wake: (() => void) | null = null;
  const watch: ManifestWatch = watchManifests(
    paths,
    () => {
      count++;
      wake?.();
    },
    { coalesceMs: 30 },
  );
  cleanups.push(() => {
    watch.close();
    return Promise.resolve();
  });
  await watch.ready;
  /** Resolves when onChange has been called more than `seen` times; fails after WAIT_MS. */
  const changeAfter = async (seen: number): Promise<number> => {
    const deadline = Date.now() + WAIT_MS;
    while (count <= seen) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no change seen within ${WAIT_MS} ms`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      wake = null;
    }
    return count;
  };
  return { changeAfter, count: () => count };
}

describe('watchManifests', () => {
  test('a new file in the directory is a change', async () => {
    const dir = await tempDir();
    const { changeAfter } = await watching([dir]);
    await writeFile(join(dir, 'a.yaml'), 'kind: Service\n');
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('a write to an existing file is a change', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yml'), 'one\n');
    const { changeAfter } = await watching([dir]);
    await writeFile(join(dir, 'a.yml'), 'two\n');
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('a deleted file is a change', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.json'), '{}');
    const { changeAfter } = await watching([dir]);
    await unlink(join(dir, 'a.json'));
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('an atomic save (rename over the file) is a change, and so are later edits', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.yaml');
    await writeFile(file, 'one\n');
    const { changeAfter } = await watching([dir]);
    await writeFile(join(dir, '.a.yaml.tmp'), 'two\n');
    await rename(join(dir, '.a.yaml.tmp'), file);
    const seen = await changeAfter(0);
    // Node's recursive watch loses the file here; the directory watch must not.
    await unlink(file);
    assert.ok((await changeAfter(seen)) > seen);
  });

  test('a file renamed into the directory is a change', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'b.yaml'), 'kind: Service\n');
    const { changeAfter } = await watching([dir]);
    await rename(join(outside, 'b.yaml'), join(dir, 'b.yaml'));
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('files in a new subdirectory are watched too', async () => {
    const dir = await tempDir();
    const { changeAfter } = await watching([dir]);
    await mkdir(join(dir, 'team'));
    const seen = await changeAfter(0);
    await writeFile(join(dir, 'team', 'c.yaml'), 'kind: Service\n');
    assert.ok((await changeAfter(seen)) > seen);
  });

  test('a directory moved away is a change', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'team', 'c.yaml'), 'kind: Service\n');
    const { changeAfter } = await watching([dir]);
    await rename(join(dir, 'team'), join(outside, 'team'));
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('a watched file path replaced wholesale is a change', async () => {
    const dir = await tempDir();
    const file = join(dir, 'ingress.yaml');
    await writeFile(file, 'one\n');
    const { changeAfter } = await watching([file]);
    await writeFile(join(dir, 'next'), 'two\n');
    await rename(join(dir, 'next'), file);
    const seen = await changeAfter(0);
    await writeFile(file, 'three\n');
    assert.ok((await changeAfter(seen)) > seen);
  });

  test('a watched directory deleted and created again is a change, and is watched again', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'manifests');
    await mkdir(dir);
    const { changeAfter } = await watching([dir]);
    await rm(dir, { recursive: true });
    const seen = await changeAfter(0);
    await mkdir(dir);
    const again = await changeAfter(seen);
    await writeFile(join(dir, 'a.yaml'), 'kind: Service\n');
    assert.ok((await changeAfter(again)) > again);
  });

  test('the ..data swap of a mounted ConfigMap is a change', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'a.yaml'), 'one\n');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'a.yaml'), join(dir, 'a.yaml'));
    const { changeAfter } = await watching([dir]);
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'a.yaml'), 'two\n');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    assert.ok((await changeAfter(0)) >= 1);
  });

  test('a path that does not exist yet is watched through its parent', async () => {
    const dir = await tempDir();
    const { changeAfter } = await watching([join(dir, 'later.yaml')]);
    await writeFile(join(dir, 'later.yaml'), 'kind: Service\n');
    assert.ok((await changeAfter(0)) >= 1);
  });
});
