import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Debouncer,
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_MAX_WAIT_MS,
  type DebouncedRun,
} from './debouncer.ts';
import { FakeClock } from './fake-clock.ts';

/** A debouncer on a fake clock that records the times its action ran and what it was told. */
function setup(options: { holdOffMs?: number; maxWaitMs?: number } = {}) {
  const clock = new FakeClock();
  const runs: number[] = [];
  const told: DebouncedRun[] = [];
  const debouncer = new Debouncer(
    (run) => {
      runs.push(clock.now());
      told.push(run);
    },
    { ...options, clock },
  );
  return { clock, runs, told, debouncer };
}

describe('Debouncer', () => {
  test('the defaults: 20 ms hold-off, 250 ms maximum wait', () => {
    assert.equal(DEFAULT_HOLD_OFF_MS, 20);
    assert.equal(DEFAULT_MAX_WAIT_MS, 250);
  });

  test('a lone change runs the action 20 ms after it arrived, once', () => {
    const { clock, runs, told, debouncer } = setup();
    clock.advance(1000);
    debouncer.trigger();
    assert.equal(debouncer.pendingSince, 1000);
    clock.advance(19);
    assert.deepEqual(runs, []);
    assert.equal(debouncer.pending, true);
    clock.advance(1);
    assert.deepEqual(runs, [1020]);
    assert.deepEqual(told, [{ firstAt: 1000, triggers: 1 }]);
    assert.equal(debouncer.pending, false);
    assert.equal(debouncer.pendingSince, null);
    clock.advance(1000);
    assert.deepEqual(runs, [1020]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('each trigger in a burst restarts the hold-off', () => {
    const { clock, runs, told, debouncer } = setup();
    for (let i = 0; i < 4; i++) {
      debouncer.trigger();
      clock.advance(15);
    }
    // Last trigger at 45: runs at 65, not 20.
    assert.deepEqual(runs, []);
    clock.advance(4);
    assert.deepEqual(runs, []);
    clock.advance(1);
    assert.deepEqual(runs, [65]);
    assert.deepEqual(told, [{ firstAt: 0, triggers: 4 }]);
  });

  test('a burst is capped: the action runs 250 ms after the first pending change', () => {
    const { clock, runs, told, debouncer } = setup();
    // A change every 10 ms never leaves 20 ms of quiet: without the cap it would never run.
    for (let t = 0; t < 600; t += 10) {
      debouncer.trigger();
      clock.advance(10);
    }
    // Runs at 250 (25 triggers, 0..240), then 250 ms after the next first pending trigger
    // (at 250): 500 (25 triggers, 250..490); the last 10 (500..590) run 20 ms after the last.
    assert.deepEqual(runs, [250, 500]);
    clock.advance(10);
    assert.deepEqual(runs, [250, 500, 610]);
    assert.deepEqual(
      told.map((run) => [run.firstAt, run.triggers]),
      [
        [0, 25],
        [250, 25],
        [500, 10],
      ],
    );
    for (let i = 0; i < runs.length; i++) {
      const waited = (runs[i] ?? 0) - (told[i]?.firstAt ?? 0);
      assert.ok(waited <= DEFAULT_MAX_WAIT_MS, `run ${String(i)} waited ${String(waited)} ms`);
    }
  });

  test('honours custom hold-off and maximum wait', () => {
    const { clock, runs, debouncer } = setup({ holdOffMs: 10, maxWaitMs: 25 });
    debouncer.trigger();
    clock.advance(9);
    debouncer.trigger();
    clock.advance(9);
    debouncer.trigger();
    clock.advance(9);
    assert.deepEqual(runs, [25]);
  });

  test('flush runs a pending action at once; cancel drops it', () => {
    const { clock, runs, debouncer } = setup();
    debouncer.flush();
    assert.deepEqual(runs, []);
    debouncer.trigger();
    clock.advance(10);
    debouncer.flush();
    assert.deepEqual(runs, [10]);
    assert.equal(clock.pendingTimers, 0);
    debouncer.trigger();
    debouncer.cancel();
    assert.equal(debouncer.pendingSince, null);
    clock.advance(1000);
    assert.deepEqual(runs, [10]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('a trigger made by the action itself schedules a new run', () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const debouncer: Debouncer = new Debouncer(
      () => {
        runs.push(clock.now());
        if (runs.length === 1) debouncer.trigger();
      },
      { clock },
    );
    debouncer.trigger();
    clock.advance(500);
    assert.deepEqual(runs, [20, 40]);
  });
});
