import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CIPHERS } from '../dataplane/index.ts';
import { UsageError } from './io.ts';
import { tlsSettingsFrom } from './tls-flags.ts';

const DEFAULTS = { httpsPort: 8443 };

test('defaults: port 8443, TLS 1.2+, the default ciphers, a year of HSTS, no default Secret, no passthrough', () => {
  assert.deepEqual(tlsSettingsFrom({}, DEFAULTS), {
    https: {
      port: 8443,
      redirectPort: null,
      tls: { minVersion: 'TLSv1.2', ciphers: DEFAULT_CIPHERS },
      hsts: 'max-age=31536000',
    },
    defaultCertificate: null,
    sslPassthrough: false,
  });
});

test('every flag is read', () => {
  const settings = tlsSettingsFrom(
    {
      'https-port': '0',
      'https-redirect-port': '443',
      'default-ssl-certificate': 'ingress/wildcard-tls',
      'ssl-min-version': 'TLSv1.3',
      'ssl-ciphers': 'TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384',
      'hsts-max-age': '600',
      'hsts-include-subdomains': true,
      'hsts-preload': true,
      'enable-ssl-passthrough': true,
    },
    DEFAULTS,
  );
  assert.equal(settings.sslPassthrough, true);
  assert.equal(settings.https.port, 0);
  assert.equal(settings.https.redirectPort, 443);
  assert.deepEqual(settings.defaultCertificate, { namespace: 'ingress', name: 'wildcard-tls' });
  assert.equal(settings.https.tls.minVersion, 'TLSv1.3');
  assert.equal(settings.https.hsts, 'max-age=600; includeSubDomains; preload');
  assert.equal(tlsSettingsFrom({ hsts: 'off' }, DEFAULTS).https.hsts, '');
});

test('bad values are usage errors', () => {
  for (const values of [
    { 'ssl-min-version': 'TLSv1.1' },
    { 'ssl-ciphers': 'NOT-A-CIPHER' },
    { hsts: 'maybe' },
    { 'hsts-max-age': '-1' },
    { 'https-port': '70000' },
    { 'https-redirect-port': '0' },
    { 'default-ssl-certificate': 'no-namespace' },
    { 'default-ssl-certificate': 'Bad/Name' },
  ]) {
    assert.throws(() => tlsSettingsFrom(values, DEFAULTS), UsageError, JSON.stringify(values));
  }
});
