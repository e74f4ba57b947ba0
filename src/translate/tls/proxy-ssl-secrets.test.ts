import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTestCa,
  type IssuedCertificate,
  type TestCa,
} from '../../../test/helpers/tls-certificates.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { ProxySslRequest } from '../annotations/index.ts';
import { ProxySslSecrets } from './proxy-ssl-secrets.ts';

function secret(name: string, data: Record<string, string>): StoredObject {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return {
    kind: 'Secret',
    namespace: 'shop',
    name,
    object: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'shop' },
      data: encoded,
    },
    origin: { source: 'kubernetes' },
    sequence: 0,
  };
}

function request(name: string, verify = true): ProxySslRequest {
  return {
    secret: { namespace: 'shop', name },
    secretText: `shop/${name}`,
    verify,
    verifyDepth: 1,
  };
}

describe('ProxySslSecrets', () => {
  let ca: TestCa;
  let client: IssuedCertificate;
  let other: IssuedCertificate;

  before(async () => {
    ca = await createTestCa();
    client = await ca.issue({ dns: ['client'], clientAuth: true });
    other = await ca.issue({ dns: ['other'] });
  });
  after(() => ca.close());

  test('a usable Secret: its settings name the version, the PEM text goes beside', () => {
    const secrets = new ProxySslSecrets([
      secret('good', { 'ca.crt': ca.caPem, 'tls.crt': client.certPem, 'tls.key': client.keyPem }),
    ]);
    const resolved = secrets.resolve(request('good'), 'shop');
    assert.ok(!('problem' in resolved));
    assert.deepEqual(resolved.secret.name, 'good');
    assert.deepEqual(secrets.materials.get(resolved.secret.version), {
      caPem: ca.caPem,
      certPem: client.certPem,
      keyPem: client.keyPem,
    });
    assert.deepEqual(secrets.outcomes().get('shop/good'), { state: 'Accepted', problems: [] });
  });

  test('each way a Secret is unusable is a problem, and the Secret is Rejected', () => {
    const secrets = new ProxySslSecrets([
      secret('mismatch', {
        'ca.crt': ca.caPem,
        'tls.crt': client.certPem,
        'tls.key': other.keyPem,
      }),
      secret('half', { 'ca.crt': ca.caPem, 'tls.crt': client.certPem }),
      secret('garbage', { 'ca.crt': 'not a certificate' }),
      secret('empty', {}),
      secret('client-only', { 'tls.crt': client.certPem, 'tls.key': client.keyPem }),
    ]);
    const problem = (name: string, verify = true): string => {
      const resolved = secrets.resolve(request(name, verify), 'shop');
      return 'problem' in resolved ? resolved.problem : 'usable';
    };
    assert.match(problem('mismatch'), /tls.key is not the private key/);
    assert.match(problem('half'), /has tls.crt but no tls.key/);
    assert.match(problem('garbage'), /ca.crt holds no PEM CERTIFICATE block/);
    assert.match(problem('empty'), /neither ca.crt nor tls.crt and tls.key/);
    assert.match(problem('nowhere'), /not found/);
    assert.match(problem('client-only'), /no ca.crt to verify the upstream with/);
    assert.equal(problem('client-only', false), 'usable');
    assert.match(
      (secrets.resolve(request('mismatch'), 'billing') as { problem: string }).problem,
      /another namespace/,
    );
    const outcomes = secrets.outcomes();
    assert.equal(outcomes.get('shop/mismatch')?.state, 'Rejected');
    assert.equal(outcomes.get('shop/mismatch')?.problems[0]?.field, 'data[tls.key]');
    assert.equal(outcomes.get('shop/client-only')?.state, 'Accepted');
    assert.equal(outcomes.has('shop/nowhere'), false);
  });
});
