// Table transfer benchmark: what one Ingress edit costs on its way to a data-plane worker at
// 1,000 and 10,000 Ingresses (the objects of bench/scale). The incremental translator makes each
// table; the control plane's TableEncoder encodes it, a structured clone stands for the IPC
// channel (serialization 'advanced'), and the worker's TableDecoder and TableHolder (compile and
// swap) apply it, all in this one process. Run: `npm run bench:table-transfer`
// (node bench/table-transfer.ts [--edits N]).
import { deserialize, serialize } from 'node:v8';
import { parseArgs } from 'node:util';
import { IncrementalTranslator } from '../src/control/incremental/index.ts';
import { TableHolder } from '../src/dataplane/table-holder.ts';
import {
  NO_ACCESS_MATERIALS,
  TableDecoder,
  TableEncoder,
  type RouteTable,
  type TableMaterials,
  type TableMessage,
} from '../src/ir/index.ts';
import type { KubeObject, ObjectKind } from '../src/objects/index.ts';
import { FakeClock, ObjectStore } from '../src/store/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../src/translate/index.ts';
import { altObjects, appObjects, ingress, ingressClass } from './scale/objects.ts';

const USAGE = `Usage: node bench/table-transfer.ts [--edits N]

Per Ingress edit, at 1,000 and 10,000 Ingresses: translate (control plane), encode (control
plane, once for all workers), the message's size, decode and compile+swap (each worker).
  --edits N    edits timed per size (default: 60)
`;

const NONE: TableMaterials = {
  certificates: new Map(),
  upstreamTls: new Map(),
  access: NO_ACCESS_MATERIALS,
};

/** Steps of one edit, ms (bytes for `message`). */
interface EditFigures {
  readonly translate: number;
  readonly encode: number;
  readonly message: number;
  readonly decode: number;
  readonly swap: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** A store holding `count` apps (Ingress, Service, EndpointSlice each) and their alt Services. */
function storeOf(count: number): { store: ObjectStore; put: (object: KubeObject) => void } {
  const store = new ObjectStore({ clock: new FakeClock() });
  let sequence = 0;
  const put = (object: KubeObject): void => {
    store.upsert('bench', {
      kind: object.kind as ObjectKind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      object,
      origin: { source: 'kubernetes' },
      sequence: sequence++,
    });
  };
  const backends = { a: 8081, b: 8082 };
  put(ingressClass());
  for (let index = 0; index < count; index++)
    for (const object of appObjects(index, backends)) put(object);
  for (const object of altObjects(count, backends)) put(object);
  return { store, put };
}

function measure(count: number, edits: number): EditFigures[] {
  const { store, put } = storeOf(count);
  const translator = new IncrementalTranslator();
  const options: TranslateOptions = { ...DEFAULT_TRANSLATE_OPTIONS, versionKey: Buffer.alloc(32) };
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const holder = new TableHolder();
  const ship = (table: RouteTable): Omit<EditFigures, 'translate'> => {
    const start = performance.now();
    const message = encoder.encode(table, NONE);
    const encoded = performance.now();
    const wire = serialize(message);
    const received = deserialize(wire) as TableMessage;
    const copied = performance.now();
    const { table: decodedTable, materials } = decoder.decode(received);
    const decoded = performance.now();
    holder.swap(decodedTable, materials.certificates, materials.upstreamTls, materials.access);
    const swapped = performance.now();
    return {
      encode: encoded - start,
      message: wire.length,
      decode: decoded - copied,
      swap: swapped - decoded,
    };
  };
  ship(translator.translate(store.snapshot(), options).table);
  const figures: EditFigures[] = [];
  const edited = new Map<number, number>();
  for (let edit = 0; edit < edits; edit++) {
    // Apps spread over the estate; an app edited again goes back to its own Service.
    const index = 1 + Math.floor((edit * (count - 1)) / edits);
    const times = (edited.get(index) ?? 0) + 1;
    edited.set(index, times);
    put(ingress(index, times % 2 === 1));
    const start = performance.now();
    const { table } = translator.translate(store.snapshot(), options);
    const translate = performance.now() - start;
    figures.push({ translate, ...ship(table) });
  }
  return figures;
}

const { values } = parseArgs({
  options: { edits: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const edits = Number(values.edits ?? 60);
if (!Number.isInteger(edits) || edits < 1 || edits > 10_000) {
  process.stderr.write(
    `--edits takes a whole number from 1 to 10000, not ${String(values.edits)}\n`,
  );
  process.exit(2);
}

console.log('per Ingress edit: median / p90 / max ms (message: median bytes)');
console.log(
  'ingresses  translate            encode               message  decode               compile+swap',
);
for (const count of [1_000, 10_000]) {
  const figures = measure(count, edits);
  const column = (key: Exclude<keyof EditFigures, 'message'>): string => {
    const series = figures.map((figure) => figure[key]);
    return `${median(series).toFixed(2)} / ${quantile(series, 0.9).toFixed(2)} / ${Math.max(...series).toFixed(2)}`.padEnd(
      21,
    );
  };
  console.log(
    [
      String(count).padStart(9),
      column('translate'),
      column('encode'),
      String(median(figures.map((figure) => figure.message))).padStart(7),
      column('decode'),
      column('swap'),
    ].join('  '),
  );
}
