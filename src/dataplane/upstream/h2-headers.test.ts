import assert from 'node:assert/strict';
import { test } from 'node:test';
import { h2RequestHeaders, withoutPseudoHeaders } from './h2-headers.ts';

const HEAD = {
  method: 'POST',
  path: '/a?b',
  scheme: 'http' as const,
  fallbackAuthority: '10.0.0.1:80',
};

test('Host becomes :authority; pseudo-headers first; names lower-cased', () => {
  const headers = h2RequestHeaders({
    ...HEAD,
    headers: ['Host', 'grpc.example.com', 'Content-Type', 'application/grpc', 'X-Id', '1'],
  });
  assert.deepEqual(Object.keys(headers).slice(0, 4), [':method', ':path', ':scheme', ':authority']);
  assert.deepEqual(
    { ...headers },
    {
      ':method': 'POST',
      ':path': '/a?b',
      ':scheme': 'http',
      ':authority': 'grpc.example.com',
      'content-type': 'application/grpc',
      'x-id': '1',
    },
  );
});

test('without Host the endpoint is the authority', () => {
  assert.equal(h2RequestHeaders({ ...HEAD, headers: [] })[':authority'], '10.0.0.1:80');
});

test('connection-specific fields are left out, TE is kept only as trailers', () => {
  const headers = h2RequestHeaders({
    ...HEAD,
    headers: ['Connection', 'close', 'Keep-Alive', '5', 'Upgrade', 'x', 'TE', 'trailers'],
  });
  assert.equal(headers['te'], 'trailers');
  for (const name of ['connection', 'keep-alive', 'upgrade'])
    assert.equal(headers[name], undefined);
  assert.equal(h2RequestHeaders({ ...HEAD, headers: ['te', 'gzip'] })['te'], undefined);
});

test('repeated Cookie fields are joined with "; ", other repeats kept apart', () => {
  const headers = h2RequestHeaders({
    ...HEAD,
    headers: ['cookie', 'a=1', 'Cookie', 'b=2', 'x-tag', 'one', 'x-tag', 'two', 'x-tag', 'three'],
  });
  assert.equal(headers['cookie'], 'a=1; b=2');
  assert.deepEqual(headers['x-tag'], ['one', 'two', 'three']);
});

test('a header named __proto__ is data, not a prototype', () => {
  const headers = h2RequestHeaders({ ...HEAD, headers: ['__proto__', 'x'] });
  assert.equal(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value, 'x');
});

test('withoutPseudoHeaders drops :status and keeps the rest', () => {
  assert.deepEqual(
    { ...withoutPseudoHeaders({ ':status': 200, 'grpc-status': '0', 'set-cookie': ['a', 'b'] }) },
    { 'grpc-status': '0', 'set-cookie': ['a', 'b'] },
  );
});
