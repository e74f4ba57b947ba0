import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendProtocolOf } from './backend-protocol.ts';

test('without the annotation backends are plain HTTP', () => {
  assert.deepEqual(backendProtocolOf({}), { protocol: 'HTTP', problems: [] });
});

test('both spellings are read, trimmed and in any case', () => {
  assert.equal(backendProtocolOf({ 'pointsman.dev/backend-protocol': 'GRPC' }).protocol, 'GRPC');
  assert.equal(
    backendProtocolOf({ 'nginx.ingress.kubernetes.io/backend-protocol': ' grpcs ' }).protocol,
    'GRPCS',
  );
  for (const value of ['HTTP', 'https', 'H2C', 'Grpc']) {
    const read = backendProtocolOf({ 'pointsman.dev/backend-protocol': value });
    assert.equal(read.protocol, value.toUpperCase());
    assert.deepEqual(read.problems, []);
  }
});

test('our spelling wins over the ingress-nginx one', () => {
  const read = backendProtocolOf({
    'pointsman.dev/backend-protocol': 'H2C',
    'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
  });
  assert.equal(read.protocol, 'H2C');
});

test('an unknown value is ignored with a problem, and the other spelling still counts', () => {
  const bad = backendProtocolOf({ 'nginx.ingress.kubernetes.io/backend-protocol': 'FCGI' });
  assert.equal(bad.protocol, 'HTTP');
  assert.deepEqual(
    bad.problems.map((p) => [p.code, p.field]),
    [['IgnoredAnnotation', 'metadata.annotations[nginx.ingress.kubernetes.io/backend-protocol]']],
  );
  const fallback = backendProtocolOf({
    'pointsman.dev/backend-protocol': 'grpc-web',
    'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC',
  });
  assert.equal(fallback.protocol, 'GRPC');
  assert.equal(fallback.problems.length, 1);
});
