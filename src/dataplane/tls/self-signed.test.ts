import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { generateSelfSigned } from './self-signed.ts';

const run = promisify(execFile);

test('the generated certificate is a valid self-signed X.509 v3 with a DNS SAN', () => {
  const now = new Date('2030-06-01T12:00:00Z');
  const { certPem, keyPem } = generateSelfSigned({ dnsName: 'default.invalid', now, days: 30 });
  const certificate = new X509Certificate(certPem);
  assert.equal(certificate.subject, 'CN=default.invalid');
  assert.equal(certificate.issuer, 'CN=default.invalid');
  assert.equal(certificate.subjectAltName, 'DNS:default.invalid');
  assert.equal(certificate.checkHost('default.invalid'), 'default.invalid');
  assert.equal(certificate.ca, false);
  assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.ok(certificate.verify(certificate.publicKey), 'not signed by its own key');
  assert.ok(certificate.checkPrivateKey(createPrivateKey(keyPem)));
  assert.equal(certificate.validFromDate.toISOString(), '2030-06-01T11:00:00.000Z');
  assert.equal(certificate.validToDate.toISOString(), '2030-07-01T11:00:00.000Z');
});

test('validity after 2049 is encoded as GeneralizedTime, and each certificate is new', () => {
  const now = new Date('2049-12-01T00:00:00Z');
  const first = generateSelfSigned({ dnsName: 'x.invalid', now, days: 365 });
  const second = generateSelfSigned({ dnsName: 'x.invalid', now, days: 365 });
  assert.equal(
    new X509Certificate(first.certPem).validToDate.toISOString(),
    '2050-11-30T23:00:00.000Z',
  );
  assert.notEqual(first.keyPem, second.keyPem);
  assert.notEqual(
    new X509Certificate(first.certPem).serialNumber,
    new X509Certificate(second.certPem).serialNumber,
  );
});

test('openssl reads it and verifies it against itself', async () => {
  const { certPem } = generateSelfSigned({ dnsName: 'default.invalid' });
  const text = await run('bash', ['-c', 'openssl x509 -noout -text <<< "$CERT"'], {
    env: { ...process.env, CERT: certPem },
  });
  assert.match(text.stdout, /Version: 3 \(0x2\)/);
  assert.match(text.stdout, /DNS:default\.invalid/);
  assert.match(text.stdout, /CA:FALSE/);
  assert.match(text.stdout, /TLS Web Server Authentication/);
  const verify = await run(
    'bash',
    ['-c', 'openssl verify -CAfile <(echo "$CERT") <(echo "$CERT")'],
    {
      env: { ...process.env, CERT: certPem },
    },
  );
  assert.match(verify.stdout, /OK/);
});
