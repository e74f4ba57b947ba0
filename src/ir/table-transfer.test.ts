import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import { test } from 'node:test';
import { buildTestTable } from '../../test/helpers/route-table.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { deepFreeze, NO_ACCESS_MATERIALS, type RouteTable } from './index.ts';
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

/** `table` with its hosts list replaced (other lists and items kept as the same objects). */
function withHosts(table: RouteTable, hosts: RouteTable['hosts'], version: string): RouteTable {
  return Object.freeze({ ...table, hosts: Object.freeze([...hosts]), version });
}

/** A new object for a host entry: equal to it, or (with `rename`) for another host. */
function copyOf(entry: RouteTable['hosts'][number], rename?: string): RouteTable['hosts'][number] {
  const copy = structuredClone(entry);
  return deepFreeze(rename === undefined ? copy : { ...copy, host: rename });
}

test('a table that keeps most items as the same objects sends its head and tail as runs', () => {
  const names = Array.from({ length: 600 }, (_, i) => `h${String(i)}.example.com`);
  const first = tableWith(names);
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const held = decoder.decode(overTheWire(encoder.encode(first, NONE))).table;
  // One host changed in place, one new one added after it: as an incremental translation does.
  const changed = copyOf(first.hosts[300] as RouteTable['hosts'][number], 'changed.example.com');
  const added = copyOf(first.hosts[301] as RouteTable['hosts'][number], 'added.example.com');
  const next = withHosts(
    first,
    [...first.hosts.slice(0, 300), changed, added, ...first.hosts.slice(301)],
    'next',
  );
  const message = encoder.encode(next, NONE);
  assert.equal(message.items.length, 2, 'only the two new host entries travel');
  assert.equal(message.lists.hosts.length, 6, 'run, two addresses, run');
  assert.deepEqual(message.lists.backends, [0, first.backends.length]);
  const decoded = decoder.decode(overTheWire(message)).table;
  assert.deepEqual(decoded, next);
  assert.equal(decoded.hosts[0], held.hosts[0]);
  assert.equal(decoded.hosts[599], held.hosts[598]);
  assert.equal(decoded.backends[7], held.backends[7]);
});

test('random edits that keep objects, mixed with fresh tables: each decoded table equals the one sent', () => {
  const random = seededRandom(34);
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const pick = (length: number): number => Math.floor(random() * length);
  let table = tableWith(Array.from({ length: 40 }, (_, i) => `h${String(i)}.example.com`));
  let fresh = 0;
  let previous: readonly RouteTable['hosts'][number][] = [];
  const removed: RouteTable['hosts'][number][] = [];
  for (let step = 0; step < 200; step++) {
    const hosts = [...table.hosts];
    const roll = random();
    if (roll < 0.05) {
      // A full translation: every item a new object, most of them equal to the ones held.
      fresh++;
      const kept = hosts.filter(() => random() < 0.95);
      removed.push(...hosts.filter((entry) => !kept.includes(entry)));
      table = tableWith(
        kept.map((entry) => entry.host),
        random() < 0.5 ? 8080 : 8081,
      );
    } else {
      for (let edit = 1 + pick(3); edit > 0; edit--) {
        const at = pick(hosts.length);
        const entry = hosts[at];
        const kind = random();
        if (entry === undefined || kind < 0.3) {
          hosts.splice(at, 0, copyOf(table.hosts[0] ?? first(), `new${String(step)}.example.com`));
        } else if (kind < 0.5 && hosts.length > 1) removed.push(...hosts.splice(at, 1));
        else if (kind < 0.6 && removed.length > 0) {
          // An entry removed before comes back as a new object: the receiver dropped it.
          hosts.splice(at, 0, copyOf(removed.splice(pick(removed.length), 1)[0] ?? entry));
        } else if (kind < 0.75) hosts[at] = copyOf(entry);
        else if (kind < 0.85) hosts[at] = copyOf(entry, `${entry.host}.${String(step)}`);
        else hosts.push(entry);
      }
      table = withHosts(table, hosts, `step-${String(step)}`);
    }
    const message = encoder.encode(table, NONE);
    const decoded = decoder.decode(overTheWire(message)).table;
    assert.deepEqual(decoded, table, `step ${String(step)}`);
    for (const entry of decoded.hosts) {
      const same = previous.find((old) => JSON.stringify(old) === JSON.stringify(entry));
      if (same !== undefined) assert.equal(entry, same, `step ${String(step)}: ${entry.host} kept`);
    }
    previous = decoded.hosts;
  }
  assert.ok(fresh > 3, 'the sequence mixes in full translations');

  function first(): RouteTable['hosts'][number] {
    return tableWith(['first.example.com']).hosts[0] as RouteTable['hosts'][number];
  }
});

test('an item a full rebuild dropped travels again when a later table brings it back', () => {
  const names = Array.from({ length: 300 }, (_, i) => `h${String(i)}.example.com`);
  const encoder = new TableEncoder();
  const decoder = new TableDecoder();
  const send = (table: RouteTable): TableMessage => {
    const message = encoder.encode(table, NONE);
    assert.deepEqual(decoder.decode(overTheWire(message)).table, table);
    return message;
  };
  send(tableWith(names));
  // x.example.com joins; then every backend changes (more than a walk takes) and x goes.
  const withX = tableWith([...names, 'x.example.com']);
  assert.equal(send(withX).items.length, 2, 'the host and the backend of x');
  const rebuilt = tableWith(names, 8081);
  send(rebuilt);
  const xBackend = withX.backends.find((backend) => backend.id.includes('x.example.com'));
  assert.ok(xBackend !== undefined);
  const back = Object.freeze({
    ...rebuilt,
    backends: Object.freeze([...rebuilt.backends, deepFreeze(structuredClone(xBackend))]),
    version: 'back',
  });
  assert.equal(send(back).items.length, 1, 'the receiver dropped the backend of x');
});
