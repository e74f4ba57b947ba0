import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../store/index.ts';
import { DeadlineTimer, MAX_TIMER_DELAY_MS } from './deadline-timer.ts';

const EPOCH = Date.parse('2030-01-01T00:00:00Z');

/** A timer on a fake clock whose wall time is EPOCH + the clock's time + a settable offset. */
function setup() {
  const clock = new FakeClock();
  const wall = { offset: 0 };
  const timer = new DeadlineTimer(clock, () => EPOCH + clock.now() + wall.offset);
  let fired = 0;
  const fire = () => {
    fired++;
  };
  return { clock, wall, timer, fire, fired: () => fired };
}

test('fires once, in the first millisecond past the deadline', () => {
  const t = setup();
  t.timer.set(EPOCH + 1000, t.fire);
  t.clock.advance(1000);
  assert.equal(t.fired(), 0);
  t.clock.advance(1);
  assert.equal(t.fired(), 1);
  t.clock.advance(10 * MAX_TIMER_DELAY_MS);
  assert.equal(t.fired(), 1);
  assert.equal(t.clock.pendingTimers, 0);
});

test('a far deadline is reached through several timers', () => {
  const t = setup();
  const far = 3 * MAX_TIMER_DELAY_MS + 5;
  t.timer.set(EPOCH + far, t.fire);
  t.clock.advance(MAX_TIMER_DELAY_MS);
  assert.equal(t.fired(), 0);
  assert.equal(t.clock.pendingTimers, 1, 're-armed');
  t.clock.advance(far - MAX_TIMER_DELAY_MS);
  assert.equal(t.fired(), 0);
  t.clock.advance(1);
  assert.equal(t.fired(), 1);
});

test('a wall clock set back while waiting is followed: no early call', () => {
  const t = setup();
  t.timer.set(EPOCH + 1000, t.fire);
  t.wall.offset = -500;
  t.clock.advance(1001);
  assert.equal(t.fired(), 0, 'the wall clock reads 501 ms past EPOCH');
  t.clock.advance(499);
  assert.equal(t.fired(), 0);
  t.clock.advance(1);
  assert.equal(t.fired(), 1);
});

test('a new deadline replaces the old one, and clear cancels it', () => {
  const t = setup();
  t.timer.set(EPOCH + 1000, t.fire);
  t.timer.set(EPOCH + 5000, t.fire);
  assert.equal(t.clock.pendingTimers, 1);
  t.clock.advance(2000);
  assert.equal(t.fired(), 0);
  t.timer.clear();
  assert.equal(t.clock.pendingTimers, 0);
  t.clock.advance(10_000);
  assert.equal(t.fired(), 0);
});
