import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RateLimitPolicy } from '../../ir/index.ts';
import { LocalLimits, type LimitCounter } from './limit-counter.ts';
import { LimitState } from './limit-state.ts';
import { rateLimitVerdict } from './rate-limit-gate.ts';

const policy = (extra: Partial<RateLimitPolicy>): RateLimitPolicy => ({
  burstMultiplier: 5,
  requestStatus: 503,
  connectionStatus: 503,
  ...extra,
});

const outcome = (verdict: ReturnType<typeof rateLimitVerdict>): string => {
  if (verdict instanceof Promise) assert.fail('local limits answer at once');
  return verdict.kind === 'refuse' ? `${verdict.code} ${String(verdict.status)}` : verdict.kind;
};

test('limit-rps 1: six requests at once (burst 5, nodelay), the seventh refused', () => {
  let now = 1000;
  const state = new LocalLimits(new LimitState({ now: () => now }));
  const limits = policy({ rps: 1, requestStatus: 429 });
  const check = { zone: 'ns/a', client: '192.0.2.1', state };
  const results = Array.from({ length: 7 }, () => outcome(rateLimitVerdict(limits, check)));
  assert.deepEqual(results, [...Array<string>(6).fill('pass'), 'PM_ERR_RATE_LIMITED 429']);
  // Another Ingress is another zone; the same client there starts afresh.
  assert.equal(outcome(rateLimitVerdict(limits, { ...check, zone: 'ns/b' })), 'pass');
  now += 1000;
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'pass');
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'PM_ERR_RATE_LIMITED 429');
});

test('two spellings of one IPv6 address share a bucket', () => {
  const state = new LocalLimits(new LimitState({ now: () => 0 }));
  const limits = policy({ rps: 1, burstMultiplier: 0 });
  assert.equal(
    outcome(rateLimitVerdict(limits, { zone: 'z', client: '2001:db8::1', state })),
    'pass',
  );
  assert.equal(
    outcome(rateLimitVerdict(limits, { zone: 'z', client: '2001:DB8:0:0::1', state })),
    'PM_ERR_RATE_LIMITED 503',
  );
});

test('limit-allowlist exempts its networks from every limit', () => {
  const state = new LocalLimits(new LimitState({ now: () => 0 }));
  const limits = policy({ rps: 1, burstMultiplier: 0, connections: 1, allowlist: ['10.0.0.0/8'] });
  const onEnd = (): void => {
    assert.fail('an exempt client takes no slot');
  };
  for (let i = 0; i < 20; i++) {
    assert.equal(
      outcome(rateLimitVerdict(limits, { zone: 'z', client: '10.1.1.1', state, onEnd })),
      'pass',
    );
  }
});

test('limit-connections: a slot per request in flight, given back when it ends', () => {
  const state = new LocalLimits();
  const ends: (() => void)[] = [];
  const check = {
    zone: 'z',
    client: '192.0.2.9',
    state,
    onEnd: (release: () => void) => ends.push(release),
  };
  const limits = policy({ connections: 2, connectionStatus: 503 });
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'pass');
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'pass');
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'PM_ERR_CONNECTION_LIMITED 503');
  assert.equal(ends.length, 2);
  ends[0]?.();
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'pass');
  for (const end of ends) end();
  assert.equal(state.state.inFlightCount, 0);
});

test('a request refused by the rate takes no connection slot', () => {
  const state = new LocalLimits(new LimitState({ now: () => 0 }));
  let taken = 0;
  const check = {
    zone: 'z',
    client: '192.0.2.9',
    state,
    onEnd: () => {
      taken++;
    },
  };
  const limits = policy({ rps: 1, burstMultiplier: 0, connections: 10 });
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'pass');
  assert.equal(outcome(rateLimitVerdict(limits, check)), 'PM_ERR_RATE_LIMITED 503');
  assert.equal(taken, 1);
});

test('a counter that answers later (the workers shared one): the verdict waits for it', async () => {
  const local = new LocalLimits(new LimitState({ now: () => 0 }));
  const later: LimitCounter = {
    admit: (client, zones, hold) => Promise.resolve(local.admit(client, zones, hold)),
  };
  const ends: (() => void)[] = [];
  const check = {
    zone: 'z',
    client: '192.0.2.9',
    state: later,
    onEnd: (release: () => void) => ends.push(release),
  };
  const limits = policy({ rps: 1, burstMultiplier: 1, connections: 1 });
  const first = rateLimitVerdict(limits, check);
  assert.ok(first instanceof Promise);
  assert.equal((await first).kind, 'pass');
  const second = await rateLimitVerdict(limits, check);
  assert.deepEqual(second, { kind: 'refuse', code: 'PM_ERR_CONNECTION_LIMITED', status: 503 });
  for (const end of ends.splice(0)) end();
  assert.equal((await rateLimitVerdict(limits, check)).kind, 'refuse', 'over the burst of 1');
  assert.equal(ends.length, 0, 'a request refused by the rate takes no slot');
});
