// The connection-limit flags of `serve`: --max-connections-per-client, --tunnel-idle-timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxySettings } from '../dataplane/index.ts';
import { silentLogger } from '../observability/index.ts';
import { UsageError } from './io.ts';
import { serveFlagsHelp, serveSettingsFrom } from './serve-command.ts';

const DEFAULTS = { bind: '0.0.0.0', adminBind: '0.0.0.0', httpPort: 8080, adminPort: 10254 };
const BASE = { tables: { current: null }, logger: silentLogger() };

function settingsOf(values: Parameters<typeof serveSettingsFrom>[0]) {
  return proxySettings({ ...BASE, ...serveSettingsFrom(values, DEFAULTS).proxy });
}

test('defaults: a tunnel idle for 60 s is closed; each client gets a tenth of the limit', () => {
  const settings = settingsOf({});
  assert.equal(settings.tunnelIdleTimeoutMs, 60_000);
  assert.equal(settings.maxConnections, 10_000);
  assert.equal(settings.maxConnectionsPerClient, 1_000);
});

test('the per-client share follows --max-connections unless given', () => {
  assert.equal(settingsOf({ 'max-connections': '40' }).maxConnectionsPerClient, 4);
  assert.equal(settingsOf({ 'max-connections': '5' }).maxConnectionsPerClient, 1);
  const given = settingsOf({ 'max-connections': '40', 'max-connections-per-client': '40' });
  assert.equal(given.maxConnectionsPerClient, 40);
});

test('--tunnel-idle-timeout takes a duration, 0 turns it off', () => {
  assert.equal(settingsOf({ 'tunnel-idle-timeout': '90s' }).tunnelIdleTimeoutMs, 90_000);
  assert.equal(settingsOf({ 'tunnel-idle-timeout': '0' }).tunnelIdleTimeoutMs, 0);
});

test('bad values are usage errors naming the flag', () => {
  assert.throws(
    () => serveSettingsFrom({ 'max-connections-per-client': '0' }, DEFAULTS),
    (error: unknown) =>
      error instanceof UsageError && /--max-connections-per-client must be/.test(error.message),
  );
  assert.throws(
    () => serveSettingsFrom({ 'tunnel-idle-timeout': 'soon' }, DEFAULTS),
    (error: unknown) => error instanceof UsageError && /--tunnel-idle-timeout/.test(error.message),
  );
});

test('the help names both flags and their defaults', () => {
  const help = serveFlagsHelp({ bind: '0.0.0.0', adminBind: '0.0.0.0' });
  assert.match(help, /--max-connections-per-client N\s+most connections from one address/);
  assert.match(help, /a tenth of --max-connections, at least 1/);
  assert.match(help, /--tunnel-idle-timeout DUR .*\n.*\(default: 60s\)/);
});
