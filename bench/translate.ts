// Translation benchmark: time and memory to translate 1,000 and 10,000 Ingresses (each with a
// Service and an EndpointSlice). Run: `npm run bench:translate` (node --expose-gc bench/translate.ts).
import { snapshotOf } from '../src/objects/index.ts';
import { translate } from '../src/translate/index.ts';
import { generateObjects } from './generate-objects.ts';

const RUNS = 7;
const gc = (globalThis as { gc?: () => void }).gc;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

console.log('ingresses  routes  median ms  min ms  max ms  heap retained by the result (MiB)');
for (const count of [1_000, 10_000]) {
  const snapshot = snapshotOf(generateObjects(count));
  const times: number[] = [];
  let routes = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const { table } = translate(snapshot);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    routes = table.hosts.reduce((sum, host) => sum + host.paths.length, 0);
  }
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = translate(snapshot);
  gc?.();
  const retained = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  console.log(
    [
      String(count).padStart(9),
      String(routes).padStart(7),
      median(times).toFixed(1).padStart(10),
      Math.min(...times)
        .toFixed(1)
        .padStart(7),
      Math.max(...times)
        .toFixed(1)
        .padStart(7),
      (gc ? retained.toFixed(1) : 'run with --expose-gc').padStart(12),
    ].join(' '),
    kept.results.length > 0 ? '' : '(no results?)',
  );
}
