import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HTTP2_FLAGS_HELP, http2SettingsFrom } from './http2-flags.ts';

test('h2c is off unless --h2c is given', () => {
  assert.deepEqual(http2SettingsFrom({}), { http2: false });
  assert.deepEqual(http2SettingsFrom({ h2c: true }), { http2: true });
  assert.match(HTTP2_FLAGS_HELP, /--h2c/);
});
