import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_OUTLIER_SETTINGS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BUDGET,
} from '../dataplane/index.ts';
import { UsageError } from './io.ts';
import {
  RESILIENCE_FLAGS,
  RESILIENCE_FLAGS_HELP,
  resilienceSettingsFrom,
} from './resilience-flags.ts';

test('defaults: error and timeout retried, 3 tries, 3 failures eject for 10 s to 5 min, 50 %, slow at 250 ms', () => {
  const settings = resilienceSettingsFrom({});
  assert.deepEqual([...settings.retries.on].sort(), ['error', 'timeout']);
  assert.equal(settings.retries.tries, 3);
  assert.equal(settings.retries.timeoutMs, 0);
  assert.deepEqual(settings.retries, DEFAULT_RETRIES);
  assert.deepEqual(settings.outlier, {
    consecutiveFailures: 3,
    consecutive5xx: 0,
    baseEjectionMs: 10_000,
    maxEjectionMs: 300_000,
    maxEjectedPercent: 50,
    slowConnectMs: 250,
  });
  assert.deepEqual(settings.outlier, DEFAULT_OUTLIER_SETTINGS);
  assert.deepEqual(settings.retryBudget, { percent: 20, minPerSecond: 10 });
  assert.deepEqual(settings.retryBudget, DEFAULT_RETRY_BUDGET);
});

test('each flag sets its field', () => {
  const settings = resilienceSettingsFrom({
    'proxy-next-upstream': ' error http_502  http_503 non_idempotent ',
    'proxy-next-upstream-tries': '5',
    'proxy-next-upstream-timeout': '2500ms',
    'outlier-consecutive-failures': '7',
    'outlier-consecutive-5xx': '4',
    'outlier-base-ejection-time': '30s',
    'outlier-max-ejection-time': '1h',
    'outlier-max-ejected-percent': '100',
    'outlier-slow-connect': '1.5s',
    'retry-budget-percent': '35',
    'retry-budget-min-per-second': '0',
  });
  assert.deepEqual([...settings.retries.on].sort(), [
    'error',
    'http_502',
    'http_503',
    'non_idempotent',
  ]);
  assert.equal(settings.retries.tries, 5);
  assert.equal(settings.retries.timeoutMs, 2_500);
  assert.deepEqual(settings.outlier, {
    consecutiveFailures: 7,
    consecutive5xx: 4,
    baseEjectionMs: 30_000,
    maxEjectionMs: 3_600_000,
    maxEjectedPercent: 100,
    slowConnectMs: 1_500,
  });
  assert.deepEqual(settings.retryBudget, { percent: 35, minPerSecond: 0 });
});

test('one flag leaves the others at their defaults', () => {
  const settings = resilienceSettingsFrom({ 'outlier-consecutive-failures': '0' });
  assert.equal(settings.outlier.consecutiveFailures, 0);
  assert.deepEqual(
    { ...settings.outlier, consecutiveFailures: DEFAULT_OUTLIER_SETTINGS.consecutiveFailures },
    DEFAULT_OUTLIER_SETTINGS,
  );
  assert.deepEqual(settings.retries, DEFAULT_RETRIES);
  assert.deepEqual(settings.retryBudget, DEFAULT_RETRY_BUDGET);
});

test('off turns retries off; tries 0 means one per endpoint; a bare number is seconds', () => {
  assert.deepEqual([...resilienceSettingsFrom({ 'proxy-next-upstream': 'off' }).retries.on], []);
  assert.equal(resilienceSettingsFrom({ 'proxy-next-upstream-tries': '0' }).retries.tries, 0);
  const timeout = resilienceSettingsFrom({ 'proxy-next-upstream-timeout': '4' });
  assert.equal(timeout.retries.timeoutMs, 4_000);
  const base = resilienceSettingsFrom({ 'outlier-base-ejection-time': '2m' });
  assert.equal(base.outlier.baseEjectionMs, 120_000);
  assert.equal(base.outlier.maxEjectionMs, 300_000);
});

test('--outlier-slow-connect takes a duration; 0 turns it off; a bare number is seconds', () => {
  const slow = (value: string): number =>
    resilienceSettingsFrom({ 'outlier-slow-connect': value }).outlier.slowConnectMs;
  assert.equal(slow('0'), 0);
  assert.equal(slow('0ms'), 0);
  assert.equal(slow('100ms'), 100);
  assert.equal(slow('2'), 2_000);
  assert.equal(slow(' 1m '), 60_000);
  const only = resilienceSettingsFrom({ 'outlier-slow-connect': '40ms' });
  assert.deepEqual({ ...only.outlier, slowConnectMs: 250 }, DEFAULT_OUTLIER_SETTINGS);
});

function rejects(values: Parameters<typeof resilienceSettingsFrom>[0], pattern: RegExp): void {
  assert.throws(
    () => resilienceSettingsFrom(values),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `a UsageError, not ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    },
    JSON.stringify(values),
  );
}

test('a bad value is a usage error that names its flag', () => {
  const whole: Array<[keyof typeof RESILIENCE_FLAGS, string]> = [
    ['proxy-next-upstream-tries', '101'],
    ['proxy-next-upstream-tries', '-1'],
    ['outlier-consecutive-failures', 'three'],
    ['outlier-consecutive-failures', '1001'],
    ['outlier-consecutive-5xx', '1.5'],
    ['outlier-max-ejected-percent', '101'],
    ['retry-budget-percent', '1001'],
    ['retry-budget-percent', '20%'],
    ['retry-budget-min-per-second', '1000001'],
    ['retry-budget-min-per-second', ''],
  ];
  for (const [flag, value] of whole) rejects({ [flag]: value }, new RegExp(`^--${flag} `));
  const durations: Array<[keyof typeof RESILIENCE_FLAGS, string]> = [
    ['proxy-next-upstream-timeout', '5 minutes'],
    ['proxy-next-upstream-timeout', '-1s'],
    ['outlier-base-ejection-time', '10x'],
    ['outlier-max-ejection-time', 'forever'],
    ['outlier-slow-connect', '-250ms'],
    ['outlier-slow-connect', 'slow'],
  ];
  for (const [flag, value] of durations) rejects({ [flag]: value }, new RegExp(`^--${flag} `));
  rejects({ 'proxy-next-upstream': 'error bogus' }, /^--proxy-next-upstream: .*"bogus"/);
  rejects({ 'proxy-next-upstream': 'off error' }, /^--proxy-next-upstream: .*off/);
});

test('ejection times that do not fit together are usage errors', () => {
  rejects(
    { 'outlier-base-ejection-time': '0' },
    /^--outlier-base-ejection-time must be longer than 0$/,
  );
  rejects(
    { 'outlier-base-ejection-time': '1m', 'outlier-max-ejection-time': '30s' },
    /^--outlier-max-ejection-time must be at least --outlier-base-ejection-time$/,
  );
  // The default maximum (5 min) below a longer base time.
  rejects({ 'outlier-base-ejection-time': '10m' }, /^--outlier-max-ejection-time must/);
  const equal = resilienceSettingsFrom({
    'outlier-base-ejection-time': '1m',
    'outlier-max-ejection-time': '60s',
  });
  assert.equal(equal.outlier.maxEjectionMs, equal.outlier.baseEjectionMs);
});

test('every flag is a string option and is in the help', () => {
  for (const [flag, option] of Object.entries(RESILIENCE_FLAGS)) {
    assert.equal(option.type, 'string');
    assert.match(RESILIENCE_FLAGS_HELP, new RegExp(`--${flag}\\b`), flag);
  }
  assert.equal(Object.keys(RESILIENCE_FLAGS).length, 11);
  assert.match(RESILIENCE_FLAGS_HELP, /--outlier-slow-connect DUR[^]*?\(default: 250ms\)/);
});
