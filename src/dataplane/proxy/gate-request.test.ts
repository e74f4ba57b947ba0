import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withGrantedResponseHeaders, withGrantedRequestHeaders } from './gate-request.ts';

test('granted response headers replace the named upstream ones, and add beside the others', () => {
  const edit = withGrantedResponseHeaders(undefined, {
    responseHeaders: [
      ['access-control-allow-origin', 'https://app.example.com'],
      ['vary', 'Origin'],
    ],
    replacesResponseHeaders: ['access-control-allow-origin'],
  });
  assert.ok(edit !== undefined);
  const upstream = ['Access-Control-Allow-Origin', '*', 'Vary', 'Accept', 'X-A', 'b'];
  assert.deepEqual(edit(200, upstream), [
    'Vary',
    'Accept',
    'X-A',
    'b',
    'access-control-allow-origin',
    'https://app.example.com',
    'vary',
    'Origin',
  ]);
});

test('success headers only on the statuses nginx add_header acts on; no grant, no edit', () => {
  const edit = withGrantedResponseHeaders(undefined, { successHeaders: [['set-cookie', 'a=1']] });
  assert.ok(edit !== undefined);
  assert.deepEqual(edit(200, []), ['set-cookie', 'a=1']);
  assert.deepEqual(edit(500, []), []);
  assert.equal(withGrantedResponseHeaders(undefined, {}), undefined);
});

test('granted upstream headers replace the client’s of the same name', () => {
  const edit = withGrantedRequestHeaders(undefined, {
    upstreamHeaders: [['x-auth-request-user', 'alice']],
  });
  assert.ok(edit !== undefined);
  assert.deepEqual(edit(['X-Auth-Request-User', 'mallory', 'Accept', '*/*']), [
    'Accept',
    '*/*',
    'x-auth-request-user',
    'alice',
  ]);
});
