import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CertificateMaterial, RouteTable, TlsHost } from '../../ir/index.ts';
import { sealRouteTable } from '../../ir/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { CertificateStore } from './certificate-store.ts';
import { generateSelfSigned } from './self-signed.ts';
import { TLS_DEFAULTS } from './tls-settings.ts';

const materials = new Map<string, CertificateMaterial>();
function material(version: string): CertificateMaterial {
  let found = materials.get(version);
  if (found === undefined) {
    found = generateSelfSigned({ dnsName: `${version}.invalid` });
    materials.set(version, found);
  }
  return found;
}

function host(name: string, version: string | null): TlsHost {
  const secret =
    version === null
      ? null
      : { namespace: 'default', name: version, version, notAfter: '2100-01-01T00:00:00.000Z' };
  return { host: name, kind: name.startsWith('*.') ? 'wildcard' : 'exact', secret, problem: null };
}

function table(hosts: TlsHost[], defaultVersion: string | null = null): RouteTable {
  return sealRouteTable({
    hosts: [],
    defaultBackend: null,
    backends: [],
    tls: hosts,
    defaultCertificate:
      defaultVersion === null ? null : { secret: host('', defaultVersion).secret, problem: null },
  });
}

function certificatesOf(...versions: string[]): Map<string, CertificateMaterial> {
  return new Map(versions.map((version) => [version, material(version)]));
}

function newStore(): CertificateStore {
  return new CertificateStore({
    settings: TLS_DEFAULTS,
    fallback: material('generated'),
    logger: silentLogger(),
  });
}

test('contexts are built once per certificate and kept across swaps while in use', () => {
  const store = newStore();
  const generated = store.contextFor('anything');
  store.update(
    table([host('a.example.com', 'v1'), host('b.example.com', 'v1')]),
    certificatesOf('v1'),
  );
  const first = store.contextFor('a.example.com');
  assert.equal(store.contextFor('b.example.com'), first, 'one context per distinct certificate');
  assert.notEqual(first, generated);
  assert.equal(store.contexts, 2);

  store.update(
    table([host('a.example.com', 'v1'), host('c.example.com', 'v2')]),
    certificatesOf('v1', 'v2'),
  );
  assert.equal(store.contextFor('a.example.com'), first, 'rebuilt although unchanged');
  assert.equal(store.contextFor('b.example.com'), generated);
  assert.equal(store.contexts, 3);

  store.update(table([host('a.example.com', 'v3')]), certificatesOf('v3'));
  assert.notEqual(store.contextFor('a.example.com'), first);
  assert.equal(store.contexts, 2, 'unused contexts are dropped');
});

test('a host without a usable certificate, and unknown names, get the default', () => {
  const store = newStore();
  store.update(
    table([host('a.example.com', null), host('*.apps.example.com', 'w')]),
    certificatesOf('w'),
  );
  const fallback = store.contextFor('unknown.example.com');
  assert.equal(store.contextFor('a.example.com'), fallback);
  assert.notEqual(store.contextFor('x.apps.example.com'), fallback);
});

test('material OpenSSL refuses falls back to the default instead of throwing', () => {
  const store = newStore();
  const broken = new Map([['bad', { certPem: 'nope', keyPem: 'nope' }]]);
  store.update(table([host('a.example.com', 'bad')]), broken);
  assert.equal(store.contextFor('a.example.com'), store.contextFor('unknown'));
  store.update(table([host('b.example.com', 'missing')]), new Map());
  assert.equal(store.contextFor('b.example.com'), store.contextFor('unknown'));
});

test('a configured default certificate replaces the generated one, and listeners hear of it', () => {
  const store = newStore();
  const heard: CertificateMaterial[] = [];
  store.onDefaultChange((changed) => heard.push(changed));
  assert.equal(store.defaultMaterial, material('generated'));
  store.update(table([], 'd1'), certificatesOf('d1'));
  assert.equal(store.defaultMaterial, material('d1'));
  store.update(table([host('x.example.com', 'v1')], 'd1'), certificatesOf('d1', 'v1'));
  store.update(table([]), new Map());
  assert.deepEqual(heard, [material('d1'), material('generated')]);
});
