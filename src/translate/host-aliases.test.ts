import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sealRouteTable, type HostRoutes, type TlsHost } from '../ir/index.ts';
import { addHostNames } from './host-aliases.ts';

const host = (name: string, ingress: string): HostRoutes => ({
  host: name,
  kind: 'exact',
  paths: [
    {
      path: '/',
      match: 'Prefix',
      declaredPathType: 'Prefix',
      backend: 'web/shop:80',
      source: { namespace: 'web', name: ingress, rule: 0, path: 0 },
      sslRedirect: true,
    },
  ],
});

const binding: TlsHost = {
  host: 'shop.example.com',
  kind: 'exact',
  secret: { namespace: 'web', name: 'shop-tls', version: 'v1', notAfter: '2099-01-01T00:00:00Z' },
  problem: null,
};

const table = sealRouteTable({
  hosts: [host('shop.example.com', 'shop')],
  defaultBackend: null,
  backends: [],
  tls: [binding],
});

test('an alias copies its host entry and its certificate binding; the version changes', () => {
  const { table: named, problems } = addHostNames(table, [
    {
      ingress: 'web/shop',
      hosts: ['shop.example.com'],
      aliases: ['shop.example.org'],
      fromToWww: false,
    },
  ]);
  assert.equal(problems.size, 0);
  assert.deepEqual(
    named.hosts.map((entry) => entry.host),
    ['shop.example.com', 'shop.example.org'],
  );
  assert.deepEqual(named.hosts[1]?.paths, table.hosts[0]?.paths);
  assert.deepEqual(named.tls[1], { ...binding, host: 'shop.example.org' });
  assert.notEqual(named.version, table.version);
});

test('the www twin redirects with 308 and takes no TLS binding or HTTPS redirect', () => {
  const { table: named } = addHostNames(table, [
    { ingress: 'web/shop', hosts: ['shop.example.com'], aliases: [], fromToWww: true },
  ]);
  const twin = named.hosts.find((entry) => entry.host === 'www.shop.example.com');
  assert.equal(twin?.paths[0]?.sslRedirect, false);
  assert.deepEqual(twin.paths[0].policies?.redirect, {
    code: 308,
    location: [
      { variable: 'scheme' },
      { text: '://shop.example.com' },
      { variable: 'request_uri' },
    ],
    onlyRoot: false,
  });
  assert.equal(named.tls.length, 1);
});

test('nothing asked, nothing changed: the same table object', () => {
  assert.equal(addHostNames(table, []).table, table);
});

test('an alias with a TLS entry of its own keeps its certificate and takes the host client-certificate rules', () => {
  const rules = {
    secret: { namespace: 'web', name: 'ca', version: 'ca1' },
    verify: 'on',
    depth: 1,
    passCertificate: false,
  } as const;
  const own: TlsHost = { ...binding, host: 'shop.example.org', secret: null };
  const guarded = sealRouteTable({
    hosts: [host('shop.example.com', 'shop')],
    defaultBackend: null,
    backends: [],
    tls: [{ ...binding, clientCertificates: rules }, own],
  });
  const { table: named } = addHostNames(guarded, [
    {
      ingress: 'web/shop',
      hosts: ['shop.example.com'],
      aliases: ['shop.example.org'],
      fromToWww: false,
    },
  ]);
  assert.deepEqual(
    named.tls.find((entry) => entry.host === 'shop.example.org'),
    { ...own, clientCertificates: rules },
  );
});

test('an alias keeps the passthrough hosts of the table', () => {
  const passthrough = [
    {
      host: 'tunnel.example.com',
      backend: 'web/tls:443',
      source: { namespace: 'web', name: 'tls' },
    },
  ];
  const withPassthrough = sealRouteTable({ ...table, passthrough });
  const { table: named } = addHostNames(withPassthrough, [
    {
      ingress: 'web/shop',
      hosts: ['shop.example.com'],
      aliases: ['shop.example.org'],
      fromToWww: false,
    },
  ]);
  assert.ok(named.hosts.some((entry) => entry.host === 'shop.example.org'));
  assert.deepEqual(named.passthrough, passthrough);
});
