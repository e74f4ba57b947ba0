// A worker process loads only what proxying needs: this walks the imports from its entry
// (type-only imports left out: they are erased) and fails on any module of the control plane,
// on undici loaded at start (the proxy's upstream clients are its own; external auth loads
// undici when it first sends), on re2js and bcryptjs imported (src/ir/re2.ts and the hash
// workers load them on first use), on the control plane's half of src/workers, and on node:http
// imported as ESM, which loads Node's own undici.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'src', 'cli', 'worker-process.ts');
const FORBIDDEN_ROOMS = [
  'src/sources/',
  'src/translate/',
  'src/control/',
  'src/status/',
  'src/store/',
];
const FORBIDDEN_PACKAGES = ['@kubernetes/client-node', 'yaml', 're2js', 'bcryptjs'];
// What only the control plane runs of src/workers (the pool, metrics aggregation, counts).
const CONTROL_PLANE_FILES = [
  'src/workers/worker-pool.ts',
  'src/workers/aggregated-metrics.ts',
  'src/workers/worker-count.ts',
  'src/workers/limit-host.ts',
];

/**
 * Every module a file imports for its values (not `import type`, not `export type`): `loaded`
 * at start by a static import, or `later` by `import()`.
 */
function valueImports(file: string): { loaded: string[]; later: string[] } {
  const text = readFileSync(file, 'utf8');
  const loaded: string[] = [];
  const later: string[] = [];
  for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
    if (match[2] === undefined && match[3] !== undefined) loaded.push(match[3]);
  }
  // `typeof import('x')` is a type, erased like `import type`.
  for (const match of text.matchAll(/(?<!typeof )import\('([^']+)'\)/g)) {
    if (match[1] !== undefined) later.push(match[1]);
  }
  return { loaded, later };
}

test('the worker process imports nothing of the control plane', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const packagesAtStart = new Set<string>();
  const importsNodeHttp: string[] = [];
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const { loaded, later } = valueImports(file);
    if ([...loaded, ...later].includes('node:http')) importsNodeHttp.push(relative(ROOT, file));
    for (const specifier of [...loaded, ...later]) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
    for (const specifier of loaded) if (!specifier.startsWith('.')) packagesAtStart.add(specifier);
  }
  const rooms = [...seen].map((file) => relative(ROOT, file));
  assert.ok(rooms.length > 50, `the walk found the data plane (${String(rooms.length)} files)`);
  for (const room of FORBIDDEN_ROOMS) {
    assert.deepEqual(
      rooms.filter((file) => file.startsWith(room)),
      [],
      `a worker loads ${room}`,
    );
  }
  for (const name of FORBIDDEN_PACKAGES) assert.ok(!packages.has(name), `a worker loads ${name}`);
  for (const file of CONTROL_PLANE_FILES)
    assert.ok(!rooms.includes(file), `a worker loads ${file}`);
  assert.ok(packages.has('undici'), 'external auth loads undici when it first sends');
  assert.ok(!packagesAtStart.has('undici'), 'a worker loads undici at start');
  assert.ok(rooms.includes('src/dataplane/upstream/h1-origin.ts'));
  // An ESM import of node:http loads Node's bundled undici (src/dataplane/node-http.ts).
  assert.deepEqual(importsNodeHttp, [], 'node:http is imported as ESM, not through node-http.ts');
  assert.ok(rooms.includes('src/dataplane/node-http.ts'));
});
