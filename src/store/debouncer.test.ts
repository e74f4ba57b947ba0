import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Debouncer } from './debouncer.ts';
import { FakeClock } from './fake-clock.ts';

/** A debouncer on a fake clock that records the times its action ran. */
function setup(options: { holdOffMs?: number; maxWaitMs?: number } = {}) {
  const clock = new FakeClock();
  const runs: number[] = [];
  const debouncer = new Debouncer(
    () => {
      runs.push(clock.now());
    },
    { ...options, clock },
  );
  return { clock, runs, debouncer };
}

describe('Debouncer', () => {
  test('runs once, the hold-off after a single trigger', () => {
    const { clock, runs, debouncer } = setup();
    debouncer.trigger();
    clock.advance(99);
    assert.deepEqual(runs, []);
    assert.equal(debouncer.pending, true);
    clock.advance(1);
    assert.deepEqual(runs, [100]);
    assert.equal(debouncer.pending, false);
    clock.advance(1000);
    assert.deepEqual(runs, [100]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('each trigger in a burst restarts the hold-off', () => {
    const { clock, runs, debouncer } = setup();
    for (let i = 0; i < 4; i++) {
      debouncer.trigger();
      clock.advance(60);
    }
    // Last trigger at 180: runs at 280, not 100.
    assert.deepEqual(runs, []);
    clock.advance(39);
    assert.deepEqual(runs, []);
    clock.advance(1);
    assert.deepEqual(runs, [280]);
  });

  test('a steady stream of triggers still runs at the maximum wait', () => {
    const { clock, runs, debouncer } = setup();
    for (let t = 0; t < 1200; t += 50) {
      debouncer.trigger();
      clock.advance(50);
    }
    // Triggers every 50 ms never leave 100 ms of quiet: it runs at 500, then 500 ms after the
    // next first pending trigger (at 500), then 100 ms after the last trigger (at 1150).
    assert.deepEqual(runs, [500, 1000]);
    clock.advance(100);
    assert.deepEqual(runs, [500, 1000, 1250]);
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
    clock.advance(30);
    debouncer.flush();
    assert.deepEqual(runs, [30]);
    assert.equal(clock.pendingTimers, 0);
    debouncer.trigger();
    debouncer.cancel();
    clock.advance(1000);
    assert.deepEqual(runs, [30]);
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
    assert.deepEqual(runs, [100, 200]);
  });
});
