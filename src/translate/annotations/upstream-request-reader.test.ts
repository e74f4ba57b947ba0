import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readUpstreamRequest } from './upstream-request-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('upstream-vhost: a host or host:port, trimmed', () => {
  for (const value of ['backend.svc', ' app.ns.svc.cluster.local:8080 ', '10.0.0.1', '[::1]:80']) {
    const read = readUpstreamRequest({ [n('upstream-vhost')]: value });
    assert.deepEqual(read, {
      policies: { upstreamHost: [{ text: value.trim() }] },
      problems: [],
    });
  }
});

test('upstream-vhost may name variables, as ingress-nginx allows', () => {
  const read = readUpstreamRequest({
    [n('upstream-vhost')]: '$http_x_tenant.internal:$server_port',
  });
  assert.deepEqual(read.policies.upstreamHost, [
    { variable: 'http_x_tenant' },
    { text: '.internal:' },
    { variable: 'server_port' },
  ]);
});

test('upstream-vhost that is not a host is ignored with a problem', () => {
  for (const value of [
    'a b',
    'host\r\nX: y',
    'host/path',
    'h:port',
    'h:123456',
    '$nope.svc',
    '$host/x',
  ]) {
    const read = readUpstreamRequest({ [n('upstream-vhost')]: value });
    assert.deepEqual(read.policies, {}, value);
    assert.equal(read.problems[0]?.code, 'IgnoredAnnotation', value);
    assert.equal(read.problems[0].field, `metadata.annotations[${n('upstream-vhost')}]`);
  }
});

test('x-forwarded-prefix applies with rewrite-target, as in ingress-nginx', () => {
  const read = readUpstreamRequest({
    [n('x-forwarded-prefix')]: '/api',
    [n('rewrite-target')]: '/',
  });
  assert.deepEqual(read, { policies: { forwardedPrefix: '/api' }, problems: [] });
  const alone = readUpstreamRequest({ [n('x-forwarded-prefix')]: '/api' });
  assert.deepEqual(alone.policies, {});
  assert.match(alone.problems[0]?.message ?? '', /no effect without .*rewrite-target/);
});

test('x-forwarded-prefix must be a header value without captures', () => {
  for (const value of ['/a\r\nX-Evil: 1', '/caf\u00e9', '/a\u0000', '/$1']) {
    const read = readUpstreamRequest({
      [n('x-forwarded-prefix')]: value,
      [n('rewrite-target')]: '/',
    });
    assert.deepEqual(read.policies, {}, value);
    assert.equal(read.problems[0]?.code, 'IgnoredAnnotation', value);
  }
});
