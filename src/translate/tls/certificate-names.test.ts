import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coversHost, type CertificateNames } from './certificate-names.ts';

const names = (dns: string[], ip: string[] = []): CertificateNames => ({ dns, ip });

test('an exact DNS name covers that host only', () => {
  const cert = names(['foo.bar.com']);
  assert.equal(coversHost(cert, 'foo.bar.com'), true);
  assert.equal(coversHost(cert, 'bar.com'), false);
  assert.equal(coversHost(cert, 'a.foo.bar.com'), false);
  assert.equal(coversHost(cert, '*.bar.com'), false);
});

test('a wildcard name covers exactly one more label', () => {
  const cert = names(['*.foo.com']);
  assert.equal(coversHost(cert, 'bar.foo.com'), true);
  assert.equal(coversHost(cert, 'foo.com'), false);
  assert.equal(coversHost(cert, 'baz.bar.foo.com'), false);
  assert.equal(coversHost(cert, '*.foo.com'), true, 'a wildcard TLS host needs the wildcard');
  assert.equal(coversHost(names(['a.foo.com']), '*.foo.com'), false);
});

test('a wildcard over a single label (*.com) covers nothing', () => {
  assert.equal(coversHost(names(['*.com']), 'foo.com'), false);
});

test('IPv4 hosts need an IP entry', () => {
  assert.equal(coversHost(names([], ['10.0.0.1']), '10.0.0.1'), true);
  assert.equal(coversHost(names(['10.0.0.1']), '10.0.0.1'), false);
});
