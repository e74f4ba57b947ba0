import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asksForClientCertificates } from './access-policies.ts';

test('any auth-tls-* annotation asks for client certificates (so no passthrough)', () => {
  const A = 'nginx.ingress.kubernetes.io';
  assert.ok(asksForClientCertificates({ [`${A}/auth-tls-secret`]: 'default/ca' }));
  assert.ok(asksForClientCertificates({ [`${A}/auth-tls-verify-client`]: 'optional' }));
  assert.ok(!asksForClientCertificates({ [`${A}/ssl-passthrough`]: 'true' }));
  assert.ok(!asksForClientCertificates({}));
});
