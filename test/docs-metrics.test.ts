// docs/metrics.md lists exactly the metrics of src/observability/metrics/names.ts (name, type,
// labels, meaning, in order), and the registry holds no metric defined anywhere else.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { METRICS, Metrics } from '../src/observability/index.ts';

const DEFAULT_PREFIXES = ['process_', 'nodejs_'];

test('docs/metrics.md and the metric table agree', async () => {
  const doc = await readFile(new URL('../docs/metrics.md', import.meta.url), 'utf8');
  const rows = [
    ...doc.matchAll(/^\|\s*`(pointsman_[a-z_]+)`\s*\|\s*(\w+)\s*\|\s*(.*?)\s*\|\s*(.+?)\s*\|$/gm),
  ].map(([, name, type, labels = '', help]) => ({
    name,
    type,
    labels: [...labels.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
    help,
  }));
  const table = Object.values(METRICS).map(({ name, type, labels, help }) => ({
    name,
    type,
    labels: [...labels],
    help,
  }));
  assert.deepEqual(rows, table);
});

test('every metric in the registry is in the table or one of prom-client process metrics', () => {
  const metrics = new Metrics({ upstreamConnects: false });
  try {
    const known = new Set<string>(Object.values(METRICS).map((m) => m.name));
    const registered = metrics.registry.getMetricsAsArray().map((metric) => metric.name);
    for (const name of registered) {
      const isDefault = DEFAULT_PREFIXES.some((prefix) => name.startsWith(prefix));
      assert.ok(
        known.has(name) || isDefault,
        `${name} is neither in names.ts nor a process metric`,
      );
    }
    for (const name of known) assert.ok(registered.includes(name), `${name} is registered`);
  } finally {
    metrics.close();
  }
});
