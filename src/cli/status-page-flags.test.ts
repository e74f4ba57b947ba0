import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './io.ts';
import { isLoopbackAddress, statusPageSettingsFrom } from './status-page-flags.ts';

test('defaults: port 10255 on 127.0.0.1', () => {
  assert.deepEqual(statusPageSettingsFrom({}), { statusPort: 10255, statusBind: '127.0.0.1' });
  assert.deepEqual(statusPageSettingsFrom({ 'status-port': '0', 'status-bind': '::1' }), {
    statusPort: 0,
    statusBind: '::1',
  });
});

test('loopback addresses: 127.0.0.0/8 and ::1 in any spelling, nothing else', () => {
  for (const address of ['127.0.0.1', '127.10.0.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackAddress(address), true, address);
  }
  for (const address of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'localhost', '']) {
    assert.equal(isLoopbackAddress(address), false, address);
  }
});

test('a non-loopback --status-bind is a usage error without --status-bind-any', () => {
  for (const bind of ['0.0.0.0', '::', '10.1.2.3', 'pointsman.example']) {
    assert.throws(
      () => statusPageSettingsFrom({ 'status-bind': bind }),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message.includes(`--status-bind ${JSON.stringify(bind)} is not a loopback address`) &&
        error.message.includes('--status-bind-any'),
      bind,
    );
  }
  assert.deepEqual(statusPageSettingsFrom({ 'status-bind': '0.0.0.0', 'status-bind-any': true }), {
    statusPort: 10255,
    statusBind: '0.0.0.0',
  });
});

test('--status-bind-any alone is a usage error: it widens --status-bind, it binds nothing', () => {
  assert.throws(() => statusPageSettingsFrom({ 'status-bind-any': true }), UsageError);
});

test('--status-port must be a port number', () => {
  assert.throws(() => statusPageSettingsFrom({ 'status-port': '70000' }), /--status-port/);
  assert.throws(() => statusPageSettingsFrom({ 'status-port': 'x' }), UsageError);
});
