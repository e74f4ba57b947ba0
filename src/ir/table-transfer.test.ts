import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import { test } from 'node:test';
import { buildTestTable } from '../../test/helpers/route-table.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { NO_ACCESS_MATERIALS, type RouteTable } from './index.ts';
import {
  TableDecoder,
  TableEncoder,
  type TableMaterials,
  type TableMessage,
} from './table-transfer.ts';

const NONE: TableMaterials = {
  certificates: new Map(),
  upstreamTls: new Map(),
  access: NO_ACCESS_MATERIALS,
};

/** What the IPC channel does to a message: a structured clone (serialization 'advanced'). */
function overTheWire(message: TableMessage): TableMessage {
  return deserialize(serialize(message)) as TableMessage;
}

function tableWith(hosts: readonly string[], port = 8080): RouteTable {
  return buildTestTable({
    routes: hosts.map((host) => ({ host, path: '/', backend: host })),
    defaultBackend: hosts[0] ?? 'none',
    backends: Object.fromEntries(
      [...hosts, 'none'].map((host) => [host, [{ address: '10.0.0.1', port }]]),
    ),
  });
}

test('a decoded table equals the table sent, version and all, and is frozen', () => {
  const table = tableWith(['a.example.com', 'b.example.com', 'c.example.com']);
  const decoded = new TableDecoder().decode(overTheWire(new TableEncoder().encode(table, NONE)));
  assert.deepEqual(decoded.table, table);
  assert.equal(decoded.table.version, table.version);
  assert.ok(Object.isFrozen(decoded.table.hosts[0]?.paths[0]));
});

test('the next table sends only new items, and unchanged items arrive as the objects held', () => {
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const first = decoder.decode(
    overTheWire(encoder.encode(tableWith(['a.example.com', 'b.example.com']), NONE)),
  ).table;
  const next = tableWith(['a.example.com', 'b.example.com', 'c.example.com']);
  const message = encoder.encode(next, NONE);
  // The new host and its backend; the default route and everything else is held already,
  // and the two held hosts go as one run of places.
  assert.equal(message.items.length, 2);
  assert.equal(message.lists.hosts.length, 3);
  const second = decoder.decode(overTheWire(message)).table;
  assert.deepEqual(second, next);
  assert.equal(second.hosts[0], first.hosts[0], 'a.example.com is the same object');
  assert.equal(second.defaultBackend, first.defaultBackend);
  assert.notEqual(second.hosts[2], undefined);
  // Going back sends nothing new: every item of the first table is still held or arrives.
  const back = decoder.decode(overTheWire(encoder.encode(tableWith(['a.example.com']), NONE)));
  assert.deepEqual(back.table, tableWith(['a.example.com']));
});

test('key material goes once per version and follows the table', () => {
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const table = tableWith(['a.example.com']);
  const material = { certPem: 'CERT', keyPem: 'KEY' };
  const withCert = { ...NONE, certificates: new Map([['v1', material]]) };
  const first = encoder.encode(table, withCert);
  assert.equal(first.materials.certificates.added.length, 1);
  assert.deepEqual(decoder.decode(overTheWire(first)).materials.certificates.get('v1'), material);
  const again = encoder.encode(table, withCert);
  assert.equal(again.materials.certificates.added.length, 0, 'held material is not sent again');
  assert.equal(decoder.decode(overTheWire(again)).materials.certificates.get('v1')?.keyPem, 'KEY');
  const without = decoder.decode(overTheWire(encoder.encode(table, NONE)));
  assert.equal(without.materials.certificates.size, 0, 'material no table names is dropped');
});

test('a message that names items or places the decoder never had is refused', () => {
  const encoder = new TableEncoder();
  encoder.encode(tableWith(['a.example.com']), NONE);
  // A fresh decoder missed the first message: the places of a.example.com's items...
  const message = encoder.encode(tableWith(['a.example.com', 'b.example.com']), NONE);
  assert.throws(() => new TableDecoder().decode(overTheWire(message)), /never had/);
  // ...and an item named by address that it never got.
  const moved = encoder.encode(tableWith(['0.example.com', 'b.example.com']), NONE);
  const decoder = new TableDecoder();
  assert.throws(() => decoder.decode(overTheWire({ ...moved, items: [] })), /missing/);
});

test('random sequences of tables: each decoded table equals the one sent, unchanged items kept', () => {
  const random = seededRandom(12);
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const names = Array.from({ length: 30 }, (_, i) => `h${String(i)}.example.com`);
  let previous: RouteTable | null = null;
  for (let step = 0; step < 60; step++) {
    const hosts = names.filter(() => random() < 0.6);
    const table = tableWith(hosts, random() < 0.8 ? 8080 : 8081);
    const decoded = decoder.decode(overTheWire(encoder.encode(table, NONE))).table;
    assert.deepEqual(decoded, table, `step ${String(step)}`);
    if (previous !== null) {
      for (const entry of decoded.hosts) {
        const before: RouteTable['hosts'][number] | undefined = previous.hosts.find(
          (old) => old.host === entry.host,
        );
        if (before !== undefined && JSON.stringify(before) === JSON.stringify(entry)) {
          assert.equal(entry, before, `step ${String(step)}: ${entry.host} kept`);
        }
      }
    }
    previous = decoded;
  }
});
