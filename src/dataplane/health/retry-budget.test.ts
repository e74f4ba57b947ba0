import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetryBudgetSettings } from './outlier-settings.ts';
import { RetryBudget } from './retry-budget.ts';

function budgetOf(settings: RetryBudgetSettings): {
  budget: RetryBudget;
  advance: (ms: number) => void;
} {
  // Starts mid-second, as performance.now() does, so that bucket edges are not the test's.
  let now = 5_250;
  const budget = new RetryBudget({ settings, now: () => now });
  return {
    budget,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Withdraws until refused (bounded), returning how many were granted. */
function drain(budget: RetryBudget, id: string, limit = 10_000): number {
  let granted = 0;
  while (granted < limit && budget.withdraw(id)) granted++;
  return granted;
}

test('minPerSecond x 10 retries are allowed without any request', () => {
  const { budget } = budgetOf({ percent: 20, minPerSecond: 3 });
  assert.equal(drain(budget, 'a'), 30);
  assert.equal(budget.withdraw('a'), false, 'a refusal takes nothing and stays a refusal');
  const none = budgetOf({ percent: 0, minPerSecond: 0 });
  for (let i = 0; i < 100; i++) none.budget.request('a');
  assert.equal(drain(none.budget, 'a'), 0);
});

test('requests add their percentage to the budget', () => {
  const { budget } = budgetOf({ percent: 20, minPerSecond: 0 });
  for (let i = 0; i < 4; i++) budget.request('a');
  assert.equal(budget.withdraw('a'), false, '20 % of 4 is not a whole retry');
  budget.request('a');
  assert.equal(drain(budget, 'a'), 1);
  for (let i = 0; i < 95; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 19, '20 of 100 requests, one already taken');

  const mixed = budgetOf({ percent: 50, minPerSecond: 1 });
  for (let i = 0; i < 40; i++) mixed.budget.request('a');
  assert.equal(drain(mixed.budget, 'a'), 10 + 20);

  const over = budgetOf({ percent: 250, minPerSecond: 0 });
  for (let i = 0; i < 4; i++) over.budget.request('a');
  assert.equal(drain(over.budget, 'a'), 10, 'percentages over 100 allow several per request');
});

test('the window slides: requests and retries older than 10 s no longer count', () => {
  const { budget, advance } = budgetOf({ percent: 10, minPerSecond: 0 });
  for (let i = 0; i < 100; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 10);
  advance(5_000);
  assert.equal(budget.withdraw('a'), false, 'the first retries still count at 5 s');
  for (let i = 0; i < 50; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 5);
  // The first second's requests and retries leave together at 10 s (one-second buckets).
  advance(4_700);
  assert.equal(budget.withdraw('a'), false, 'still inside the window at 9.7 s');
  advance(300);
  assert.equal(drain(budget, 'a'), 0, '50 requests, 5 retries left: nothing more');
  for (let i = 0; i < 50; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 5);
  advance(60_000);
  assert.equal(budget.withdraw('a'), false, 'an idle minute empties the window');
  for (let i = 0; i < 10; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 1);
});

test('retries spent long ago free the minimum again', () => {
  const { budget, advance } = budgetOf({ percent: 0, minPerSecond: 1 });
  assert.equal(drain(budget, 'a'), 10);
  for (let second = 1; second <= 9; second++) {
    advance(1_000);
    assert.equal(budget.withdraw('a'), false, `second ${String(second)}`);
  }
  advance(1_000);
  assert.equal(drain(budget, 'a'), 10);
});

test('a clock that goes back neither frees nor breaks anything', () => {
  const { budget, advance } = budgetOf({ percent: 0, minPerSecond: 1 });
  assert.equal(drain(budget, 'a'), 10);
  advance(-3_000);
  assert.equal(budget.withdraw('a'), false);
  advance(13_000);
  assert.equal(drain(budget, 'a'), 10);
});

test('each backend has a budget of its own', () => {
  const { budget } = budgetOf({ percent: 50, minPerSecond: 0 });
  for (let i = 0; i < 10; i++) budget.request('a');
  assert.equal(drain(budget, 'b'), 0);
  assert.equal(drain(budget, 'a'), 5);
  budget.request('b');
  budget.request('b');
  assert.equal(drain(budget, 'b'), 1);
  assert.equal(budget.withdraw('a'), false);
});

test('retain() forgets the windows of backends that are gone', () => {
  const { budget } = budgetOf({ percent: 0, minPerSecond: 1 });
  assert.equal(drain(budget, 'a'), 10);
  assert.equal(drain(budget, 'b'), 10);
  budget.retain((id) => id === 'b');
  assert.equal(drain(budget, 'a'), 10, 'a fresh window');
  assert.equal(budget.withdraw('b'), false, 'kept as it was');
});

test('the default budget is Finagle’s: 20 % of requests plus 10 a second', () => {
  let now = 0;
  const budget = new RetryBudget({ now: () => now });
  for (let i = 0; i < 50; i++) budget.request('a');
  assert.equal(drain(budget, 'a'), 100 + 10);
  now += 10_000;
  assert.equal(drain(budget, 'a'), 100);
});
