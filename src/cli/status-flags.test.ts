import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IdentityInputs } from '../status/index.ts';
import { UsageError } from './io.ts';
import { STATUS_FLAGS, STATUS_FLAGS_HELP, statusSettingsFrom } from './status-flags.ts';

const POD: IdentityInputs = {
  env: { POD_NAMESPACE: 'ingress', POD_NAME: 'pointsman-abc' },
  readFile: () => undefined,
  hostname: () => 'node-1',
};

test('defaults: on, client-go timings, the Lease in our namespace, no address', () => {
  assert.deepEqual(statusSettingsFrom({}, POD), {
    enabled: true,
    election: {
      id: 'pointsman-leader',
      namespace: 'ingress',
      identity: 'pointsman-abc',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
    addressSource: { kind: 'none' },
    writeRate: { requestsPerSecond: 100, burst: 200 },
  });
});

test('the flags set every field', () => {
  const settings = statusSettingsFrom(
    {
      'update-status': 'off',
      'election-id': 'edge-leader',
      'election-namespace': 'edge',
      'lease-duration': '30s',
      'renew-deadline': '20s',
      'retry-period': '4s',
      'publish-service': 'edge/pointsman',
    },
    POD,
  );
  assert.equal(settings.enabled, false);
  assert.deepEqual(settings.election, {
    id: 'edge-leader',
    namespace: 'edge',
    identity: 'pointsman-abc',
    leaseDurationMs: 30_000,
    renewDeadlineMs: 20_000,
    retryPeriodMs: 4_000,
  });
  assert.deepEqual(settings.addressSource, {
    kind: 'service',
    namespace: 'edge',
    name: 'pointsman',
  });
  assert.deepEqual(statusSettingsFrom({ 'publish-service': 'pointsman' }, POD).addressSource, {
    kind: 'service',
    namespace: 'ingress',
    name: 'pointsman',
  });
  assert.deepEqual(
    statusSettingsFrom({ 'publish-status-address': '192.0.2.1,lb.example.com' }, POD).addressSource,
    { kind: 'static', addresses: [{ ip: '192.0.2.1' }, { hostname: 'lb.example.com' }] },
  );
});

test('--status-write-rate and --status-write-burst; the burst follows the rate unless given', () => {
  const rate = (values: Record<string, string>) => statusSettingsFrom(values, POD).writeRate;
  assert.deepEqual(rate({ 'status-write-rate': '250' }), { requestsPerSecond: 250, burst: 500 });
  assert.deepEqual(rate({ 'status-write-rate': '0.5' }), { requestsPerSecond: 0.5, burst: 1 });
  assert.deepEqual(rate({ 'status-write-burst': '10' }), { requestsPerSecond: 100, burst: 10 });
  assert.deepEqual(rate({ 'status-write-rate': '10000', 'status-write-burst': '10000' }), {
    requestsPerSecond: 10_000,
    burst: 10_000,
  });
  assert.deepEqual(rate({ 'status-write-rate': '10000' }), {
    requestsPerSecond: 10_000,
    burst: 10_000,
  });
});

test('bad write rates are usage errors that name the flag and the value', () => {
  for (const [values, message] of [
    [{ 'status-write-rate': '0' }, /--status-write-rate must be a number .* above 0 .*"0"/],
    [{ 'status-write-rate': '-5' }, /--status-write-rate .*"-5"/],
    [{ 'status-write-rate': 'fast' }, /--status-write-rate .*"fast"/],
    [{ 'status-write-rate': '1e3' }, /--status-write-rate .*"1e3"/],
    [{ 'status-write-rate': '10001' }, /at most 10000/],
    [{ 'status-write-burst': '0' }, /--status-write-burst must be a whole number from 1 to 10000/],
    [{ 'status-write-burst': '2.5' }, /--status-write-burst .*"2.5"/],
    [{ 'status-write-burst': '10001' }, /--status-write-burst/],
  ] as const) {
    assert.throws(
      () => statusSettingsFrom(values, POD),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      JSON.stringify(values),
    );
  }
});

test('bad values are usage errors', () => {
  for (const values of [
    { 'update-status': 'yes' },
    { 'election-id': 'Not_A_Name' },
    { 'election-namespace': 'a/b' },
    { 'lease-duration': 'soon' },
    { 'lease-duration': '10s' },
    { 'retry-period': '9s' },
    { 'publish-service': 'a/b/c' },
    { 'publish-service': '/x' },
    { 'publish-status-address': 'not an address' },
    { 'publish-status-address': ',' },
    { 'publish-service': 'a/b', 'publish-status-address': '192.0.2.1' },
  ]) {
    assert.throws(() => statusSettingsFrom(values, POD), UsageError, JSON.stringify(values));
  }
});

test('the help names every flag', () => {
  for (const flag of Object.keys(STATUS_FLAGS))
    assert.match(STATUS_FLAGS_HELP, new RegExp(`--${flag} `));
});
