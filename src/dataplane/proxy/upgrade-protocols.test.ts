import assert from 'node:assert/strict';
import { test } from 'node:test';
import { switchesToOffered } from './upgrade-protocols.ts';

test('a switch to an offered protocol is accepted, whatever its case', () => {
  assert.equal(switchesToOffered('websocket', 'websocket'), true);
  assert.equal(switchesToOffered('websocket', 'WebSocket'), true);
  assert.equal(switchesToOffered('foo/2, websocket', ' websocket '), true);
  assert.equal(switchesToOffered('foo/2, websocket', 'FOO/2'), true);
});

test('a switch to anything not offered, or to nothing named, is refused', () => {
  assert.equal(switchesToOffered('websocket', 'h2c'), false);
  assert.equal(switchesToOffered('websocket', 'websocket, h2c'), false);
  assert.equal(switchesToOffered('foo/2', 'foo'), false);
  assert.equal(switchesToOffered('foo', 'foo/2'), false);
  assert.equal(switchesToOffered('websocket', undefined), false);
  assert.equal(switchesToOffered('websocket', ' , '), false);
  assert.equal(switchesToOffered(undefined, 'websocket'), false);
});
