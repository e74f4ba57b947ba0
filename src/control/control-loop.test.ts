import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { TableHolder } from '../dataplane/index.ts';
import type { RouteTable } from '../ir/index.ts';
import { DEFAULT_HOLD_OFF_MS, FakeClock, ObjectStore } from '../store/index.ts';
import { ControlLoop, type RebuildEvent } from './control-loop.ts';
import { FilesSource } from './files-source.ts';
import { CLASS_YAML, SERVICE_YAML, capturingLogger, ingressYaml } from './test-support.ts';

const directories: string[] = [];

afterEach(async () => {
  for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A manifests directory with the given files, a files source, a store and a loop on a fake clock. */
async function setup(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-control-'));
  directories.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const clock = new FakeClock();
  const store = new ObjectStore({ clock });
  const holder = new TableHolder();
  const { logger, lines } = capturingLogger();
  const source = new FilesSource({ paths: [dir], store, logger, watch: false });
  const loop = new ControlLoop({ store, holder, logger, diagnostics: () => source.diagnostics });
  const live: RebuildEvent[] = [];
  const rebuilds: RebuildEvent[] = [];
  loop.onTableLive((event) => live.push(event));
  loop.onRebuild((event) => rebuilds.push(event));
  /** Rewrites (or with null deletes) a file, reloads and lets the debounce run out. */
  const edit = async (name: string, text: string | null): Promise<void> => {
    if (text === null) await unlink(join(dir, name));
    else await writeFile(join(dir, name), text);
    await source.reload();
    clock.advance(500);
  };
  return { dir, clock, store, holder, lines, source, loop, live, rebuilds, edit };
}

function routes(table: RouteTable | null | undefined): string[] {
  return (table?.hosts ?? []).flatMap((h) =>
    h.paths.map(
      (p) =>
        `${h.host}${p.path} -> ${table?.backends.find((b) => b.id === p.backend)?.problem?.code ?? 'ok'}`,
    ),
  );
}

describe('ControlLoop', () => {
  test('good manifests: the table goes live and the loop is ready', async () => {
    const t = await setup({
      'class.yaml': CLASS_YAML,
      'service.yaml': SERVICE_YAML,
      'ingress.yaml': ingressYaml('shop', 'shop.example.com', '/'),
    });
    await t.source.start();
    assert.equal(t.loop.ready, false);
    assert.equal(t.loop.status().table, null);
    t.loop.start();
    assert.equal(t.loop.ready, true);
    const status = t.loop.status();
    assert.deepEqual(routes(status.table), ['shop.example.com/ -> ok']);
    assert.equal(t.holder.current?.table.version, status.table?.version);
    assert.equal(t.live.length, 1);
    assert.equal(t.live[0]?.table, status.table);
    assert.ok(status.results.some((r) => r.kind === 'Ingress' && r.state === 'Accepted'));
    const summary = t.lines.find((l) => l.msg === 'route table live');
    assert.equal(summary?.['component'], 'control');
    assert.equal(summary['version'], status.table?.version);
    assert.equal(summary['routes'], 1);
    assert.equal(summary['rejected'], 0);
    // The load notified the store too; that change is already built, so nothing runs again.
    t.clock.advance(1000);
    assert.equal(t.rebuilds.length, 1);
  });

  test('an empty store still gives a (empty) live table', async () => {
    const t = await setup({});
    await t.source.start();
    t.loop.start();
    assert.equal(t.loop.ready, true);
    assert.deepEqual(routes(t.holder.current?.table), []);
  });

  test('a store change rebuilds after the debounce', async () => {
    const t = await setup({ 'class.yaml': CLASS_YAML, 'service.yaml': SERVICE_YAML });
    await t.source.start();
    t.loop.start();
    await writeFile(join(t.dir, 'ingress.yaml'), ingressYaml('shop', 'shop.example.com', '/'));
    await t.source.reload();
    t.clock.advance(DEFAULT_HOLD_OFF_MS - 1);
    assert.deepEqual(routes(t.holder.current?.table), []);
    t.clock.advance(1);
    assert.deepEqual(routes(t.holder.current?.table), ['shop.example.com/ -> ok']);
    assert.equal(t.live.length, 2);
  });

  test('a broken Ingress edit keeps the last good routes and reports the rejection', async () => {
    const t = await setup({
      'class.yaml': CLASS_YAML,
      'service.yaml': SERVICE_YAML,
      'ingress.yaml': ingressYaml('shop', 'shop.example.com', '/cart'),
    });
    await t.source.start();
    t.loop.start();
    const good = t.holder.current?.table.version;

    await t.edit('ingress.yaml', ingressYaml('shop', 'shop.example.com', 'cart'));
    assert.equal(t.holder.current?.table.version, good, 'the table did not change');
    assert.deepEqual(routes(t.loop.status().table), ['shop.example.com/cart -> ok']);
    const status = t.loop.status();
    assert.deepEqual(status.servingLastGood, [
      { kind: 'Ingress', namespace: 'shop', name: 'shop' },
    ]);
    const result = status.results.find((r) => r.kind === 'Ingress');
    assert.equal(result?.state, 'Rejected');
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['InvalidPath'],
    );
    const warning = t.lines.find((l) => l.level === 40 && l['kind'] === 'Ingress');
    assert.ok(warning, 'a warning names the rejected Ingress');
    assert.equal(warning['namespace'], 'shop');
    assert.equal(warning['name'], 'shop');
    assert.equal(warning['file'], join(t.dir, 'ingress.yaml'));
    assert.equal(warning['document'], 0);
    assert.deepEqual(warning['codes'], ['InvalidPath']);
    assert.equal(warning['servingLastGood'], true);
    assert.equal(t.rebuilds.at(-1)?.swapped, false);

    // Another unrelated change does not repeat the warning.
    const warnings = t.lines.filter((l) => l.level === 40).length;
    await t.edit('other.yaml', ingressYaml('other', 'other.example.com', '/'));
    assert.equal(t.lines.filter((l) => l.level === 40).length, warnings);
    assert.deepEqual(t.loop.status().servingLastGood.length, 1);

    // A fixed edit goes live and clears the note; deleting the Ingress removes its routes.
    await t.edit('ingress.yaml', ingressYaml('shop', 'shop.example.com', '/basket'));
    assert.deepEqual(routes(t.loop.status().table), [
      'other.example.com/ -> ok',
      'shop.example.com/basket -> ok',
    ]);
    assert.deepEqual(t.loop.status().servingLastGood, []);
    await t.edit('ingress.yaml', null);
    assert.deepEqual(routes(t.holder.current?.table), ['other.example.com/ -> ok']);
  });

  test('a new Ingress that is broken from the start serves nothing', async () => {
    const t = await setup({ 'class.yaml': CLASS_YAML, 'service.yaml': SERVICE_YAML });
    await t.source.start();
    t.loop.start();
    await t.edit('ingress.yaml', ingressYaml('shop', 'shop.example.com', 'cart'));
    assert.deepEqual(routes(t.holder.current?.table), []);
    assert.deepEqual(t.loop.status().servingLastGood, []);
    const rejected = t.lines.find((l) => l.msg === 'object rejected');
    assert.equal(rejected?.['servingLastGood'], false);
  });

  test('a file with a YAML syntax error keeps the objects it had', async () => {
    const t = await setup({
      'class.yaml': CLASS_YAML,
      'service.yaml': SERVICE_YAML,
      'ingress.yaml': ingressYaml('shop', 'shop.example.com', '/'),
    });
    await t.source.start();
    t.loop.start();
    const good = t.holder.current?.table.version;
    const generation = t.store.generation;

    await t.edit('service.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: web\n');
    assert.equal(t.store.generation, generation, 'the store saw no change');
    assert.equal(t.holder.current?.table.version, good);
    assert.deepEqual(routes(t.holder.current?.table), ['shop.example.com/ -> ok']);
    assert.deepEqual(
      t.source.kept.map((o) => `${o.kind} ${o.name}`),
      ['Service web', 'EndpointSlice web-a'],
    );
    const diagnostics = t.loop.status().diagnostics;
    assert.ok(diagnostics.some((d) => d.severity === 'error' && d.file.endsWith('service.yaml')));
    assert.ok(
      diagnostics.some((d) => d.severity === 'note' && /Service shop\/web is kept/.test(d.message)),
    );
    assert.ok(t.lines.some((l) => l['component'] === 'files' && l.level === 40));

    // The same for the Ingress's own file.
    await t.edit('ingress.yaml', 'kind: [');
    assert.equal(t.holder.current?.table.version, good);

    // Fixed, then deleted cleanly: now the Service goes, and its routes answer 503.
    await t.edit('service.yaml', SERVICE_YAML);
    assert.deepEqual(
      t.source.kept.map((o) => o.name),
      ['shop'],
    );
    await t.edit('service.yaml', null);
    assert.deepEqual(routes(t.holder.current?.table), ['shop.example.com/ -> ServiceNotFound']);
  });

  test('a failing swap is logged and leaves the loop as it was', () => {
    const { logger, lines } = capturingLogger();
    const store = new ObjectStore({ clock: new FakeClock() });
    const loop = new ControlLoop({
      store,
      logger,
      holder: {
        swap() {
          throw new Error('compile bug');
        },
      },
    });
    loop.start();
    assert.equal(loop.ready, false);
    assert.ok(lines.some((l) => l.level === 50 && l['component'] === 'control'));
  });
});
