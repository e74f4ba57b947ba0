import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { FakeClock, ObjectStore } from '../store/index.ts';
import { FilesSource } from './files-source.ts';
import { SERVICE_YAML, capturingLogger, ingressYaml } from './test-support.ts';

const WAIT_MS = 5000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-files-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves on the store's next change notification; fails after WAIT_MS. */
function nextChange(store: ObjectStore): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no store change within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const unsubscribe = store.onChange(() => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

describe('FilesSource', () => {
  test('loads into the store under its source id', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'service.yaml'), SERVICE_YAML);
    const store = new ObjectStore({ clock: new FakeClock() });
    const { logger } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, watch: false, sourceId: 'yaml' });
    await source.start();
    assert.deepEqual(
      store.snapshot().services.map((s) => s.name),
      ['web'],
    );
    assert.equal(store.removeSource('yaml'), true);
  });

  test('with the watch on, an edit and an atomic save reach the store', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'service.yaml'), SERVICE_YAML);
    const store = new ObjectStore({ holdOffMs: 10, maxWaitMs: 50 });
    cleanups.push(() => {
      store.close();
      return Promise.resolve();
    });
    const { logger } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, coalesceMs: 10 });
    cleanups.push(() => {
      source.close();
      return Promise.resolve();
    });
    await source.start();
    store.flush();

    const added = nextChange(store);
    await writeFile(join(dir, 'ingress.yaml'), ingressYaml('shop', 'shop.example.com', '/'));
    await added;
    assert.deepEqual(
      store.snapshot().ingresses.map((i) => i.name),
      ['shop'],
    );

    const saved = nextChange(store);
    await writeFile(join(dir, '.ingress.yaml.swp'), ingressYaml('shop', 'shop.example.com', '/x'));
    await rename(join(dir, '.ingress.yaml.swp'), join(dir, 'ingress.yaml'));
    await saved;
    const spec = store.snapshot().ingresses[0]?.object['spec'];
    assert.match(JSON.stringify(spec), /"path":"\/x"/);
  });

  test('load diagnostics are kept and logged once while they last', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.yaml'), 'kind: [');
    const store = new ObjectStore({ clock: new FakeClock() });
    const { logger, lines } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, watch: false });
    await source.start();
    await source.reload();
    assert.equal(source.diagnostics.length, 1);
    assert.equal(source.diagnostics[0]?.severity, 'error');
    const warnings = lines.filter((l) => l.level === 40 && l['component'] === 'files');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.['file'], join(dir, 'bad.yaml'));
  });

  test('reloads asked for during a load are coalesced into one more load', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'service.yaml'), SERVICE_YAML);
    const store = new ObjectStore({ clock: new FakeClock() });
    const { logger, lines } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, watch: false });
    await Promise.all([source.reload(), source.reload(), source.reload()]);
    const loads = lines.filter((l) => l.msg === 'manifests loaded');
    assert.equal(loads.length, 2);
    assert.equal(store.snapshot().services.length, 1);
  });

  test('a reload reads only the file that changed; the others reach the store as they were', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a-service.yaml'), SERVICE_YAML);
    await writeFile(join(dir, 'b-shop.yaml'), ingressYaml('shop', 'shop.example.com', '/'));
    await writeFile(join(dir, 'c-blog.yaml'), ingressYaml('blog', 'blog.example.com', '/'));
    const store = new ObjectStore({ clock: new FakeClock() });
    const { logger } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, watch: false });
    await source.start();
    const before = store.snapshot();

    await writeFile(join(dir, '.b-shop.yaml.swp'), ingressYaml('shop', 'shop.example.com', '/x'));
    await rename(join(dir, '.b-shop.yaml.swp'), join(dir, 'b-shop.yaml'));
    await source.reload();
    const after = store.snapshot();
    const blog = (snapshot: typeof after) => snapshot.ingresses.find((i) => i.name === 'blog');
    const shop = (snapshot: typeof after) => snapshot.ingresses.find((i) => i.name === 'shop');
    assert.equal(after.services[0], before.services[0]);
    assert.equal(blog(after), blog(before));
    assert.notEqual(shop(after), shop(before));
    assert.match(JSON.stringify(shop(after)?.object['spec']), /"path":"\/x"/);
    assert.equal(shop(after)?.sequence, shop(before)?.sequence);
  });

  test('objects kept from a broken file stay the very objects loaded before', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a-service.yaml'), SERVICE_YAML);
    await writeFile(join(dir, 'b-shop.yaml'), ingressYaml('shop', 'shop.example.com', '/'));
    const store = new ObjectStore({ clock: new FakeClock() });
    const { logger } = capturingLogger();
    const source = new FilesSource({ paths: [dir], store, logger, watch: false });
    await source.start();
    const before = store.snapshot();
    await writeFile(join(dir, 'b-shop.yaml'), 'kind: [\n');
    await source.reload();
    const after = store.snapshot();
    assert.deepEqual(
      source.kept.map((k) => k.name),
      ['shop'],
    );
    assert.equal(after.ingresses[0], before.ingresses[0]);
    assert.equal(after.services[0], before.services[0]);
  });
});
