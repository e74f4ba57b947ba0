import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxySslOf } from './proxy-ssl-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('every proxy-ssl annotation read into one request', () => {
  const read = proxySslOf({
    [n('proxy-ssl-secret')]: ' shop/upstream-ca ',
    [n('proxy-ssl-verify')]: 'on',
    [n('proxy-ssl-verify-depth')]: '3',
    [n('proxy-ssl-name')]: 'API.Internal',
    [n('proxy-ssl-server-name')]: 'on',
    [n('proxy-ssl-ciphers')]: 'ECDHE-RSA-AES128-GCM-SHA256:!aNULL',
    [n('proxy-ssl-protocols')]: 'TLSv1.3',
  });
  assert.deepEqual(read, {
    request: {
      secret: { namespace: 'shop', name: 'upstream-ca' },
      secretText: 'shop/upstream-ca',
      verify: true,
      verifyDepth: 3,
      name: 'api.internal',
      sendName: true,
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:!aNULL',
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
    },
    problems: [],
  });
});

test('defaults as ingress-nginx: verify off, depth 1 (0 too), no name, no SNI override', () => {
  const read = proxySslOf({
    [n('proxy-ssl-secret')]: 'shop/ca',
    [n('proxy-ssl-verify-depth')]: '0',
    [n('proxy-ssl-server-name')]: 'on',
  });
  assert.deepEqual(read.request, {
    secret: { namespace: 'shop', name: 'ca' },
    secretText: 'shop/ca',
    verify: false,
    verifyDepth: 1,
  });
  assert.deepEqual(read.problems, []);
});

test('both protocols: TLS 1.2 to 1.3, in any order', () => {
  const read = proxySslOf({
    [n('proxy-ssl-secret')]: 'shop/ca',
    [n('proxy-ssl-protocols')]: 'TLSv1.3  TLSv1.2',
  });
  const request = read.request;
  assert.ok(request !== null);
  assert.equal(request.minVersion, 'TLSv1.2');
  assert.equal(request.maxVersion, 'TLSv1.3');
});

test('a Secret not written namespace/name is kept as null, for the backends to answer 503', () => {
  for (const value of ['ca', 'a/b/c', 'Shop/ca', '/ca']) {
    const read = proxySslOf({ [n('proxy-ssl-secret')]: value });
    assert.equal(read.request?.secret, null, value);
  }
});

test('bad values are ignored with a problem, and their defaults apply', () => {
  const read = proxySslOf({
    [n('proxy-ssl-secret')]: 'shop/ca',
    [n('proxy-ssl-verify')]: 'true',
    [n('proxy-ssl-verify-depth')]: 'deep',
    [n('proxy-ssl-name')]: 'not a name',
    [n('proxy-ssl-server-name')]: 'ON',
    [n('proxy-ssl-ciphers')]: 'AES128 SHA',
    [n('proxy-ssl-protocols')]: 'SSLv3 TLSv1.1',
  });
  const request = read.request;
  assert.ok(request !== null);
  assert.equal(request.verify, false);
  assert.equal(request.verifyDepth, 1);
  assert.equal(request.name, undefined);
  assert.equal(request.ciphers, undefined);
  assert.equal(request.minVersion, undefined);
  assert.deepEqual(
    read.problems.map((problem) => [problem.code, problem.field]),
    [
      'proxy-ssl-verify',
      'proxy-ssl-verify-depth',
      'proxy-ssl-name',
      'proxy-ssl-server-name',
      'proxy-ssl-ciphers',
      'proxy-ssl-protocols',
    ].map((name) => ['IgnoredAnnotation', `metadata.annotations[${n(name)}]`]),
  );
});

test('without proxy-ssl-secret nothing applies: the others are ignored with a problem', () => {
  const read = proxySslOf({ [n('proxy-ssl-verify')]: 'on', [n('proxy-ssl-name')]: 'api' });
  assert.equal(read.request, null);
  assert.equal(read.problems.length, 2);
  assert.match(read.problems[0]?.message ?? '', /no effect without proxy-ssl-secret/);
  assert.deepEqual(proxySslOf({}), { request: null, problems: [] });
});
