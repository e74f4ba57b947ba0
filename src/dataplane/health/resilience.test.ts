import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturingLogger } from '../../../test/helpers/capturing-logger.ts';
import { until } from '../../../test/helpers/until.ts';
import type { Backend } from '../../ir/index.ts';
import { DEFAULT_OUTLIER_SETTINGS } from './outlier-settings.ts';
import { createResilience } from './resilience.ts';
import type { HealthEvent } from './endpoint-health.ts';

const BACKEND: Backend = {
  id: 'shop/web:80',
  namespace: 'shop',
  service: 'web',
  port: 80,
  endpoints: [
    { address: '10.0.0.1', port: 8080 },
    { address: '10.0.0.2', port: 8080 },
  ],
  problem: null,
};

test('one warning per ejection and one line per return, also told to onEvent', async () => {
  const { logger, lines } = capturingLogger('info');
  const events: HealthEvent[] = [];
  const { health, budget } = createResilience({
    outlier: { ...DEFAULT_OUTLIER_SETTINGS, baseEjectionMs: 5 },
    retryBudget: { percent: 0, minPerSecond: 1 },
    logger,
    onEvent: (event) => events.push(event),
  });
  const endpoint = BACKEND.endpoints[0];
  assert.ok(endpoint !== undefined);
  health.failed(BACKEND, endpoint, 'connect_timeout');
  await until(() => lines.length >= 1, 2_000);
  assert.deepEqual(
    lines.map((line) => ({ ...(line as object), time: undefined })),
    [
      {
        level: 40,
        time: undefined,
        component: 'upstream-health',
        endpoint: '10.0.0.1:8080',
        backend: 'shop/web:80',
        reason: 'connect_timeout',
        seconds: 0,
        ejections: 1,
        msg: 'endpoint ejected',
      },
    ],
  );
  await until(() => !health.isOut(endpoint), 2_000);
  health.attempt(endpoint);
  health.succeeded(BACKEND, endpoint, 200);
  await until(() => lines.length >= 2, 2_000);
  assert.deepEqual(
    { ...(lines[1] as object), time: undefined },
    {
      level: 30,
      time: undefined,
      component: 'upstream-health',
      endpoint: '10.0.0.1:8080',
      backend: 'shop/web:80',
      ejections: 1,
      msg: 'endpoint returned to rotation',
    },
  );
  assert.deepEqual(
    events.map((event) => event.type),
    ['ejected', 'returned'],
  );
  assert.equal(health.settings.baseEjectionMs, 5);
  // The budget has the settings given: 1 a second, nothing from requests.
  budget.request(BACKEND.id);
  let granted = 0;
  while (granted < 100 && budget.withdraw(BACKEND.id)) granted++;
  assert.equal(granted, 10);
});

test('seconds are rounded to a tenth', async () => {
  const { logger, lines } = capturingLogger('info');
  const { health } = createResilience({
    outlier: { ...DEFAULT_OUTLIER_SETTINGS, baseEjectionMs: 12_345 },
    logger,
  });
  const endpoint = BACKEND.endpoints[1];
  assert.ok(endpoint !== undefined);
  health.failed(BACKEND, endpoint, 'connect_timeout');
  await until(() => lines.length >= 1, 2_000);
  assert.equal(lines[0]?.['seconds'], 12.3);
});

test('invalid settings are a RangeError naming every problem; nothing is created', () => {
  const { logger, lines } = capturingLogger('info');
  const invalid = (
    options: Omit<Parameters<typeof createResilience>[0], 'logger'>,
    pattern: RegExp,
  ): void => {
    assert.throws(
      () => createResilience({ ...options, logger }),
      (error: unknown) => {
        assert.ok(error instanceof RangeError, `a RangeError, not ${String(error)}`);
        assert.match(error.message, /^invalid resilience settings: /);
        assert.match(error.message, pattern);
        return true;
      },
      JSON.stringify(options),
    );
  };
  const O = DEFAULT_OUTLIER_SETTINGS;
  invalid({ outlier: { ...O, baseEjectionMs: 0 } }, /base ejection time must be positive/);
  invalid(
    { outlier: { ...O, maxEjectionMs: O.baseEjectionMs - 1 } },
    /max ejection time must be at least the base ejection time/,
  );
  invalid({ outlier: { ...O, slowConnectMs: -1 } }, /slow connect time must not be negative/);
  invalid({ outlier: { ...O, slowConnectMs: Number.NaN } }, /slow connect time/);
  invalid({ outlier: { ...O, maxEjectedPercent: 101 } }, /max ejected percent .* not 101$/);
  invalid({ outlier: { ...O, consecutiveFailures: 1.5 } }, /consecutive failures .* not 1\.5$/);
  invalid({ outlier: { ...O, consecutive5xx: -1 } }, /consecutive 5xx/);
  invalid({ retryBudget: { percent: 1001, minPerSecond: 10 } }, /retry budget percent .*1001/);
  invalid({ retryBudget: { percent: 20, minPerSecond: -1 } }, /minimum per second .*-1$/);
  // Every problem at once, outlier and budget together, separated by '; '.
  invalid(
    {
      outlier: { ...O, baseEjectionMs: 0, maxEjectedPercent: 200 },
      retryBudget: { percent: Number.NaN, minPerSecond: 10 },
    },
    /^invalid resilience settings: [^;]*percent[^;]*; [^;]*base ejection[^;]*; [^;]*retry budget percent[^;]*$/,
  );
  assert.deepEqual(lines, []);
  // The boundaries are valid: slow connects off, a max equal to the base, 0 % and 100 %.
  for (const outlier of [
    { ...O, slowConnectMs: 0 },
    { ...O, maxEjectionMs: O.baseEjectionMs },
    { ...O, maxEjectedPercent: 0, consecutiveFailures: 0 },
    { ...O, maxEjectedPercent: 100, baseEjectionMs: 1, maxEjectionMs: 1 },
  ]) {
    const { health } = createResilience({
      outlier,
      retryBudget: { percent: 0, minPerSecond: 0 },
      logger,
    });
    // Passive health off (no failure counts) turns slow connects off too.
    const slow = outlier.consecutiveFailures === 0 ? 0 : outlier.slowConnectMs;
    assert.equal(health.slowConnectMs, slow);
    assert.deepEqual(health.settings, outlier);
  }
  assert.equal(createResilience({ logger }).health.slowConnectMs, 250, 'the default');
});
