import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { ClientCertificatePolicy, RouteTable, TlsHost } from '../../ir/index.ts';
import {
  asksForClientCertificate,
  asksForClientCertificates,
  clientCertificateHostOf,
  clientCertificatesOf,
} from './client-certificate-hosts.ts';
import { HandshakeNames } from './handshake-names.ts';

const policy = (verify: ClientCertificatePolicy['verify']): ClientCertificatePolicy => ({
  secret: { namespace: 'shop', name: 'ca', version: 'v' },
  verify,
  depth: 1,
  passCertificate: false,
});

/** A table whose routing hosts are `routing` and whose TLS entries are `tls`. */
function tableWith(tls: TlsHost[], routing: string[] = tls.map((entry) => entry.host)): RouteTable {
  return {
    version: 'x',
    hosts: routing.map((name) => ({
      host: name,
      kind: name.startsWith('*.') ? 'wildcard' : 'exact',
      paths: [],
    })),
    defaultBackend: null,
    backends: [],
    tls,
    defaultCertificate: null,
  };
}

const host = (name: string, rules?: ClientCertificatePolicy): TlsHost => ({
  host: name,
  kind: name.startsWith('*.') ? 'wildcard' : 'exact',
  secret: null,
  problem: null,
  ...(rules === undefined ? {} : { clientCertificates: rules }),
});

test('exact, then wildcard; an exact host without rules shadows its wildcard', () => {
  const on = policy('on');
  const table = tableWith([
    host('*.example.com', on),
    host('open.example.com'),
    host('a.other.org', on),
  ]);
  assert.equal(clientCertificatesOf(table, 'a.example.com'), on);
  assert.equal(clientCertificatesOf(table, 'open.example.com'), undefined);
  assert.equal(clientCertificatesOf(table, 'a.b.example.com'), undefined);
  assert.equal(clientCertificatesOf(table, 'a.other.org'), on);
  assert.equal(clientCertificateHostOf(table, 'a.example.com'), '*.example.com');
  assert.equal(clientCertificateHostOf(table, 'b.example.com'), '*.example.com');
  assert.equal(clientCertificateHostOf(table, 'open.example.com'), 'open.example.com');
  assert.equal(clientCertificateHostOf(table, 'nowhere.test'), null);
  assert.ok(asksForClientCertificates(table));
  assert.ok(asksForClientCertificate(table, 'A.Example.COM.'));
  assert.ok(!asksForClientCertificate(table, 'open.example.com'));
  assert.ok(!asksForClientCertificate(table, null));
});

test('verify off asks nothing in the handshake; a table without rules has none', () => {
  const table = tableWith([host('a.example.com', policy('off'))]);
  assert.ok(!asksForClientCertificates(table));
  assert.ok(!asksForClientCertificate(table, 'a.example.com'));
  assert.equal(clientCertificatesOf(table, 'a.example.com')?.verify, 'off');
  const none = tableWith([host('a.example.com')]);
  assert.equal(clientCertificatesOf(none, 'a.example.com'), undefined);
  assert.ok(!asksForClientCertificates(none));
});

test('handshake records are keyed by the socket object, never by its peer address', () => {
  const names = new HandshakeNames();
  const peer = { remoteAddress: '127.0.0.1', remotePort: 40000 };
  const socket = Object.assign(new EventEmitter(), peer) as unknown as Socket;
  // A second connection from the same address and port (to another local address).
  const twin = Object.assign(new EventEmitter(), peer) as unknown as Socket;
  names.note(socket, 'A.Example.com.', true);
  names.note(twin, 'b.example.com', false);
  assert.deepEqual(names.of(socket), { serverName: 'a.example.com', requested: true });
  assert.deepEqual(names.of(twin), { serverName: 'b.example.com', requested: false });
  // A TLS socket finds the record of the TCP socket it wraps.
  assert.deepEqual(names.of({ _parent: socket }), { serverName: 'a.example.com', requested: true });
  // Equal address and port are not the connection.
  assert.equal(names.of({ ...peer }), undefined);
  assert.equal(names.size, 2);
  socket.emit('close');
  twin.emit('close');
  assert.equal(names.of(socket), undefined);
  assert.equal(names.size, 0);
});

test('rules follow the routing host: an exact TLS name served by a wildcard host inherits its rules', () => {
  const on = policy('on');
  // foo.example.com is listed in spec.tls (no rules) but no rule names it: *.example.com serves it.
  const table = tableWith(
    [host('*.example.com', on), host('foo.example.com')],
    ['*.example.com', 'unrelated.test'],
  );
  assert.equal(clientCertificatesOf(table, 'foo.example.com'), on);
  assert.equal(clientCertificateHostOf(table, 'foo.example.com'), '*.example.com');
  assert.equal(clientCertificateHostOf(table, 'bar.example.com'), '*.example.com');
  assert.ok(asksForClientCertificate(table, 'foo.example.com'));
  assert.equal(clientCertificatesOf(table, 'unrelated.test'), undefined);
  // An exact routing host without rules is its own server (ingress-nginx: its own server block).
  const own = tableWith([host('*.example.com', on)], ['*.example.com', 'open.example.com']);
  assert.equal(clientCertificatesOf(own, 'open.example.com'), undefined);
  assert.ok(!asksForClientCertificate(own, 'open.example.com'));
  assert.equal(clientCertificateHostOf(own, 'open.example.com'), 'open.example.com');
});
