import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import type { BackendTls } from '../../ir/index.ts';
import { poolKey, upstreamTarget } from './protocol.ts';
import { upstreamTlsOf } from './upstream-tls.ts';

const SETTINGS: BackendTls = {
  secret: { namespace: 'shop', name: 'ca', version: 'v1' },
  verify: true,
  verifyDepth: 1,
};
const MATERIALS = new Map([['v1', { caPem: 'CA', certPem: 'CERT', keyPem: 'KEY' }]]);

/** A peer certificate for `name` with `above` certificates over it, the last self-issued. */
function chain(name: string, above: number): PeerCertificate {
  interface Link {
    fingerprint256: string;
    issuerCertificate?: Link;
  }
  const root: Link = { fingerprint256: `F${String(above)}` };
  root.issuerCertificate = root;
  let current = root;
  for (let level = above - 1; level >= 0; level--) {
    current = { fingerprint256: `F${String(level)}`, issuerCertificate: current };
  }
  const leaf = { ...current, subject: { CN: name }, subjectaltname: `DNS:${name}` };
  return leaf as unknown as PeerCertificate;
}

test('verify on: ca.crt, client certificate, the name and the depth are checked', () => {
  const tls = upstreamTlsOf(SETTINGS, 'api.shop.svc', MATERIALS);
  const { options } = tls;
  assert.equal(options.rejectUnauthorized, true);
  assert.equal(options.ca, 'CA');
  assert.equal(options.cert, 'CERT');
  assert.equal(options.key, 'KEY');
  assert.equal(tls.servername, undefined);
  const check = options.checkServerIdentity;
  assert.ok(check !== undefined);
  assert.equal(check('10.0.0.1', chain('api.shop.svc', 1)), undefined);
  assert.ok(check('10.0.0.1', chain('db.shop.svc', 1)) instanceof Error);
  const deep = check('10.0.0.1', chain('api.shop.svc', 2));
  assert.equal((deep as Error & { code?: string }).code, 'CERT_CHAIN_TOO_LONG');
  const deeper = upstreamTlsOf({ ...SETTINGS, verifyDepth: 2 }, 'api.shop.svc', MATERIALS);
  assert.equal(deeper.options.checkServerIdentity?.('x', chain('api.shop.svc', 2)), undefined);
});

test('verify off: nothing is checked; without its material, verification trusts no CA', () => {
  const off = upstreamTlsOf({ ...SETTINGS, verify: false }, 'api.shop.svc', MATERIALS);
  assert.equal(off.options.rejectUnauthorized, false);
  assert.equal(off.options.checkServerIdentity, undefined);
  assert.equal(off.options.cert, 'CERT');
  const missing = upstreamTlsOf({ ...SETTINGS }, 'api.shop.svc', new Map());
  assert.deepEqual(missing.options.ca, []);
  assert.equal(missing.options.rejectUnauthorized, true);
});

test('proxy-ssl-server-name sends proxy-ssl-name; TLS settings get pools of their own', () => {
  const backend = {
    protocol: 'HTTPS' as const,
    service: 'api',
    namespace: 'shop',
    tls: { ...SETTINGS, name: 'api.internal', sendName: true as const },
  };
  const target = upstreamTarget(backend, MATERIALS);
  assert.equal(target.servername, 'api.internal');
  const endpoint = { address: '10.0.0.1', port: 8443 };
  const plain = upstreamTarget({ protocol: 'HTTPS', service: 'api', namespace: 'shop' });
  assert.equal(plain.servername, 'api.shop.svc');
  assert.equal(plain.tls, undefined);
  assert.notEqual(poolKey(endpoint, target), poolKey(endpoint, plain));
  const other = upstreamTarget({ ...backend, tls: { ...backend.tls, verifyDepth: 2 } }, MATERIALS);
  assert.notEqual(poolKey(endpoint, target), poolKey(endpoint, other));
  // The key depends on the settings alone, so the sweep, which has no material, finds the pool.
  assert.equal(poolKey(endpoint, upstreamTarget(backend)), poolKey(endpoint, target));
});
