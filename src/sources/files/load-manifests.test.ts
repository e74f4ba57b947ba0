import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, test } from 'node:test';
import { loadManifests } from './index.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { ManifestLoad } from './index.ts';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/files-source');
const fixture = (name: string): string => join(FIXTURES, name);
const temp = await mkdtemp(join(tmpdir(), 'pointsman-load-'));
after(() => rm(temp, { recursive: true, force: true }));

const service = (name: string, namespace?: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n` +
  (namespace === undefined ? '' : `  namespace: ${namespace}\n`);

async function write(name: string, text: string | Buffer): Promise<string> {
  const path = join(temp, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** Ranks objects by `sequence` (0 for the lowest): the order it gives, whatever its numbers. */
function ranker(load: ManifestLoad): (object: StoredObject) => number {
  const sorted = load.objects.map((o) => o.sequence).sort((a, b) => a - b);
  return (object) => sorted.indexOf(object.sequence);
}

const identities = (load: ManifestLoad): string[] =>
  load.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`);

test('loads every document of a multi-document file, with origins and namespaces', async () => {
  const file = fixture('multi.yaml');
  const load = await loadManifests([file]);
  assert.deepEqual(load.diagnostics, []);
  assert.deepEqual(load.files, [file]);
  assert.deepEqual(identities(load), [
    'Ingress default/web',
    'Service shop/web',
    'IngressClass /pointsman',
  ]);
  const rank = ranker(load);
  assert.deepEqual(
    load.objects.map((o) => [o.origin, rank(o)]),
    [
      [{ source: 'file', file, document: 0 }, 0],
      [{ source: 'file', file, document: 1 }, 1],
      [{ source: 'file', file, document: 3 }, 2],
    ],
  );
  assert.equal(load.objects[0]?.object.metadata.namespace, 'default');
  assert.equal(load.objects[2]?.object.metadata.namespace, undefined);
});

test('walks directories recursively in path order', async () => {
  const tree = fixture('tree');
  const load = await loadManifests([tree]);
  assert.deepEqual(load.diagnostics, []);
  const rank = ranker(load);
  assert.deepEqual(
    load.objects.map((o) => [o.name, rank(o), o.origin.source === 'file' && o.origin.file]),
    [
      ['a-b', 0, `${tree}${sep}a-b.json`],
      ['a', 1, `${tree}${sep}a.yaml`],
      ['a-inner', 2, join(tree, 'a', 'inner.yml')],
      ['deep', 3, join(tree, 'c', 'd', 'deep.yaml')],
    ],
  );
});

test('loads a JSON List, noting skipped kinds and refusing nameless items', async () => {
  const file = fixture('list.json');
  const load = await loadManifests([file]);
  assert.deepEqual(identities(load), ['Service a/one']);
  assert.deepEqual(load.diagnostics, [
    {
      severity: 'note',
      file,
      document: 0,
      message: 'items[1]: skipped: pointsman does not read kind Pod',
    },
    {
      severity: 'error',
      file,
      document: 0,
      message: 'items[2]: Service has no metadata.name (a non-empty string)',
    },
  ]);
});

test('loads a typed IngressList whose items lack kind and apiVersion', async () => {
  const load = await loadManifests([fixture('ingress-list.yaml')]);
  assert.deepEqual(load.diagnostics, []);
  assert.deepEqual(identities(load), ['Ingress team/first', 'Ingress default/second']);
});

test('v1beta1 Ingress is an error, Deployment a note, a nameless Service an error', async () => {
  const file = fixture('legacy.yaml');
  const load = await loadManifests([file]);
  assert.deepEqual(load.objects, []);
  assert.deepEqual(
    load.diagnostics.map((d) => [d.severity, d.file, d.document]),
    [
      ['error', file, 0],
      ['note', file, 1],
      ['error', file, 2],
    ],
  );
  assert.match(
    load.diagnostics[0]?.message ?? '',
    /pointsman reads Ingress as networking\.k8s\.io\/v1/,
  );
  assert.equal(load.diagnostics[1]?.message, 'skipped: pointsman does not read kind Deployment');
  assert.match(load.diagnostics[2]?.message ?? '', /metadata\.name/);
});

test('folds Secret stringData into data and refuses invalid base64', async () => {
  const file = fixture('secret.yaml');
  const load = await loadManifests([file]);
  assert.deepEqual(identities(load), ['Secret default/tls']);
  const tls = load.objects[0]?.object;
  assert.deepEqual(tls?.['data'], { 'tls.crt': 'Y2VydA==', 'tls.key': 'bmV3IGtleQ==' });
  assert.equal(tls['stringData'], undefined);
  assert.deepEqual(load.diagnostics, [
    {
      severity: 'error',
      file,
      document: 1,
      message: 'Secret default/broken: data.token is not valid base64',
    },
  ]);
});

test('a broken document in the middle of a file costs only that document', async () => {
  const file = await write(
    'broken.yaml',
    [service('zero'), service('one'), 'apiVersion: v1\nkind: "Service\n', service('three')].join(
      '---\n',
    ),
  );
  const load = await loadManifests([file]);
  assert.deepEqual(
    load.objects.map((o) => [o.name, o.origin]),
    [
      ['zero', { source: 'file', file, document: 0 }],
      ['one', { source: 'file', file, document: 1 }],
      ['three', { source: 'file', file, document: 3 }],
    ],
  );
  assert.equal(load.diagnostics.length, 1);
  assert.deepEqual(
    [load.diagnostics[0]?.severity, load.diagnostics[0]?.file, load.diagnostics[0]?.document],
    ['error', file, 2],
  );
  assert.match(load.diagnostics[0]?.message ?? '', /quote.*\(line 1[0-9], column \d+\)/);
});

test('a missing path is an error; the other paths still load', async () => {
  const missing = join(temp, 'no-such-dir');
  const load = await loadManifests([missing, fixture('multi.yaml')]);
  assert.equal(load.objects.length, 3);
  assert.deepEqual(load.diagnostics, [
    {
      severity: 'error',
      file: missing,
      document: null,
      message: 'cannot read: no such file or directory',
    },
  ]);
});

test('an object defined twice: the later one wins and an error names both places', async () => {
  const first = await write('dup/a.yaml', service('web'));
  const second = await write('dup/b.yaml', `${service('other')}---\n${service('web', 'default')}`);
  const load = await loadManifests([join(temp, 'dup')]);
  assert.deepEqual(identities(load), ['Service default/other', 'Service default/web']);
  assert.deepEqual(load.objects[1]?.origin, { source: 'file', file: second, document: 1 });
  const rank = ranker(load);
  assert.deepEqual(
    load.objects.map((o) => rank(o)),
    [0, 1],
  );
  assert.deepEqual(load.diagnostics, [
    {
      severity: 'error',
      file: second,
      document: 1,
      message: `Service default/web is defined twice: at ${first} (document 1) and at ${second} (document 2); the later one is used`,
    },
  ]);
});

test('sequence follows the order of the paths given, then the order inside files', async () => {
  const b = await write('order/b.yaml', `${service('b1')}---\n${service('b2')}`);
  const a = await write('order/a.yaml', service('a1'));
  const load = await loadManifests([b, a]);
  const rank = ranker(load);
  assert.deepEqual(
    load.objects.map((o) => [o.name, rank(o)]),
    [
      ['b1', 0],
      ['b2', 1],
      ['a1', 2],
    ],
  );
  assert.deepEqual(load.files, [b, a]);
});

test('a file named twice loads once', async () => {
  const file = fixture('multi.yaml');
  const load = await loadManifests([file, FIXTURES + sep + '.' + sep + 'multi.yaml']);
  assert.deepEqual(load.files, [file]);
  assert.deepEqual(load.diagnostics, []);
  assert.equal(load.objects.length, 3);
});

test('refuses files over maxFileBytes, accepts one exactly at the bound', async () => {
  const text = service('sized');
  const file = await write('sized.yaml', text);
  const bytes = Buffer.byteLength(text);
  const atBound = await loadManifests([file], { maxFileBytes: bytes });
  assert.deepEqual(identities(atBound), ['Service default/sized']);
  const over = await loadManifests([file], { maxFileBytes: bytes - 1 });
  assert.deepEqual(over.objects, []);
  assert.deepEqual(over.files, [file]);
  assert.deepEqual(over.diagnostics, [
    {
      severity: 'error',
      file,
      document: null,
      message: `file is larger than the limit of ${bytes - 1} bytes; not loaded`,
    },
  ]);
});

test('refuses a file that is not UTF-8 text and reads one with a byte order mark', async () => {
  const binary = await write('binary.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
  const bom = await write('bom.yaml', `\ufeff${service('bom')}`);
  const load = await loadManifests([binary, bom]);
  assert.deepEqual(identities(load), ['Service default/bom']);
  assert.deepEqual(load.diagnostics, [
    {
      severity: 'error',
      file: binary,
      document: null,
      message: 'cannot read: the file is not UTF-8 text',
    },
  ]);
});

test('an empty file or a file of comments loads nothing and says nothing', async () => {
  const empty = await write('empty.yaml', '');
  const comments = await write('comments.yaml', '# nothing here\n---\n# nor here\n');
  const load = await loadManifests([empty, comments]);
  assert.deepEqual(load, { objects: [], diagnostics: [], files: [empty, comments] });
});
