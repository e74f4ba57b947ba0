import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './io.ts';
import { serveSettingsFrom } from './serve-command.ts';
import { TELEMETRY_FLAGS, TELEMETRY_FLAGS_HELP, telemetrySettingsFrom } from './telemetry-flags.ts';

test('defaults: metrics on, every request logged on standard output', () => {
  assert.deepEqual(telemetrySettingsFrom({}), {
    metrics: true,
    accessLog: { target: { kind: 'stdout' }, skipPaths: [], sampleRatio: 1 },
  });
});

test('the flags set metrics, the access log target, skipped paths and sampling', () => {
  assert.deepEqual(
    telemetrySettingsFrom({
      metrics: 'off',
      'access-log': '/var/log/pointsman/access.log',
      'access-log-skip-paths': '/healthz, /readyz,,',
      'access-log-sample': '0.25',
    }),
    {
      metrics: false,
      accessLog: {
        target: { kind: 'file', path: '/var/log/pointsman/access.log' },
        skipPaths: ['/healthz', '/readyz'],
        sampleRatio: 0.25,
      },
    },
  );
  assert.deepEqual(telemetrySettingsFrom({ 'access-log': 'off' }).accessLog.target, {
    kind: 'off',
  });
});

test('bad values are usage errors', () => {
  for (const values of [
    { metrics: 'yes' },
    { 'access-log': ' ' },
    { 'access-log-skip-paths': 'healthz' },
    { 'access-log-sample': '1.5' },
    { 'access-log-sample': '-0.1' },
    { 'access-log-sample': 'half' },
  ]) {
    assert.throws(() => telemetrySettingsFrom(values), UsageError, JSON.stringify(values));
  }
});

test('serve settings carry the telemetry settings', () => {
  const settings = serveSettingsFrom(
    { metrics: 'off', 'access-log': 'off' },
    { bind: '0.0.0.0', adminBind: '0.0.0.0', httpPort: 8080, adminPort: 10254 },
  );
  assert.equal(settings.telemetry.metrics, false);
  assert.deepEqual(settings.telemetry.accessLog.target, { kind: 'off' });
});

test('the help lists every telemetry flag and says a PATH is reopened on SIGHUP', () => {
  for (const flag of Object.keys(TELEMETRY_FLAGS)) {
    assert.match(TELEMETRY_FLAGS_HELP, new RegExp(`--${flag} `), flag);
  }
  assert.match(TELEMETRY_FLAGS_HELP, /PATH is appended to, and opened\s+again on SIGHUP/);
  for (const line of TELEMETRY_FLAGS_HELP.split('\n')) assert.ok(line.length <= 100, line);
});
