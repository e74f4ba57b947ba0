import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backoff, jittered } from './backoff.ts';

describe('Backoff', () => {
  test('doubles from the initial delay up to the cap, scaled into [0.5, 1)', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999_999 });
    assert.deepEqual(
      Array.from({ length: 6 }, () => top.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
    const bottom = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 5 }, () => bottom.next()),
      [50, 100, 200, 400, 500],
    );
  });

  test('reset starts over; failures counts since the last reset', () => {
    const backoff = new Backoff({ initialMs: 10, random: () => 0.999_999 });
    backoff.next();
    backoff.next();
    assert.equal(backoff.failures, 2);
    backoff.reset();
    assert.equal(backoff.failures, 0);
    assert.equal(backoff.next(), 10);
  });

  test('defaults: 0.5 s to 30 s; many failures never overflow', () => {
    const backoff = new Backoff({ random: () => 0.999_999 });
    assert.equal(backoff.next(), 500);
    for (let i = 0; i < 100; i++) backoff.next();
    assert.equal(backoff.next(), 30_000);
  });

  test('jittered adds up to a share of the base', () => {
    assert.equal(
      jittered(240, 0.25, () => 0),
      240,
    );
    assert.equal(
      jittered(240, 0.25, () => 0.999_999),
      300,
    );
  });
});
