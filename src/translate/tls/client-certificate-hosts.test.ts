import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientCertificatePolicy, TlsHost } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { IngressSpec } from '../ingress-spec.ts';
import { bindClientCertificates } from './client-certificate-hosts.ts';

const policy = (name: string): ClientCertificatePolicy => ({
  secret: { namespace: 'shop', name, version: name },
  verify: 'on',
  depth: 1,
  passCertificate: false,
});

function claim(name: string, hosts: (string | null)[], rules: ClientCertificatePolicy | null) {
  const object = { namespace: 'shop', name } as StoredObject;
  const spec = {
    ingressClassName: null,
    annotations: {},
    defaultBackend: null,
    rules: hosts.map((host) => ({ host, paths: [] })),
    tls: [],
  } as unknown as IngressSpec;
  return { object, spec, policy: rules };
}

const WILDCARD: TlsHost = {
  host: '*.example.com',
  kind: 'wildcard',
  secret: { namespace: 'shop', name: 'wild', version: 'w', notAfter: '2030-01-01T00:00:00Z' },
  problem: null,
};

test('the oldest Ingress of a host sets its rules; a newer one is told', () => {
  const bound = bindClientCertificates(
    [{ host: 'a.example.com', kind: 'exact', secret: null, problem: null }],
    [
      claim('old', ['a.example.com'], policy('ca-1')),
      claim('new', ['a.example.com'], policy('ca-2')),
    ],
  );
  assert.equal(bound.hosts[0]?.clientCertificates?.secret.name, 'ca-1');
  assert.equal(bound.problems.get('shop/new')?.[0]?.code, 'IgnoredAnnotation');
  assert.deepEqual(bound.problems.get('shop/old'), []);
});

test('a rule host without a TLS binding gets one, with its wildcard certificate', () => {
  const bound = bindClientCertificates(
    [WILDCARD],
    [claim('x', ['b.example.com', 'c.other.org'], policy('ca'))],
  );
  const b = bound.hosts.find((h) => h.host === 'b.example.com');
  assert.equal(b?.secret?.name, 'wild');
  assert.equal(b.clientCertificates?.secret.name, 'ca');
  const c = bound.hosts.find((h) => h.host === 'c.other.org');
  assert.equal(c?.secret, null, 'the default certificate');
  assert.equal(bound.hosts.find((h) => h.host === '*.example.com')?.clientCertificates, undefined);
  assert.deepEqual(
    bound.hosts.map((h) => h.host),
    ['*.example.com', 'b.example.com', 'c.other.org'],
  );
});

test('rules without a host make the Ingress refuse; no policy changes nothing', () => {
  const bound = bindClientCertificates(
    [],
    [claim('any', [null], policy('ca')), claim('none', ['a.example.com'], null)],
  );
  assert.ok(bound.refused.has('shop/any'));
  assert.equal(bound.problems.get('shop/any')?.[0]?.code, 'AccessControlNotEnforced');
  assert.deepEqual(bound.hosts, []);
});
