import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRANSLATE_OPTIONS } from '../options.ts';
import { readRateLimits } from './rate-limit-reader.ts';
import { emptyReaderContext } from './reader-context.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('limits with the default burst multiplier and statuses', () => {
  const read = readRateLimits({
    [n('limit-rps')]: '10',
    [n('limit-rpm')]: '300',
    [n('limit-connections')]: '4',
    [n('limit-allowlist')]: '10.0.0.0/8, ::1',
  });
  assert.deepEqual(read, {
    policies: {
      rateLimit: {
        rps: 10,
        rpm: 300,
        burstMultiplier: 5,
        connections: 4,
        allowlist: ['10.0.0.0/8', '::1/128'],
        requestStatus: 503,
        connectionStatus: 503,
      },
    },
    problems: [],
  });
});

test('statuses come from the flags; the multiplier from its annotation', () => {
  const context = emptyReaderContext('default', {
    ...DEFAULT_TRANSLATE_OPTIONS,
    limitReqStatusCode: 429,
    limitConnStatusCode: 503,
  });
  const read = readRateLimits(
    { [n('limit-rps')]: '1', [n('limit-burst-multiplier')]: '2' },
    context,
  );
  assert.deepEqual(read.policies, {
    rateLimit: { rps: 1, burstMultiplier: 2, requestStatus: 429, connectionStatus: 503 },
  });
});

test('without a positive limit nothing is limited, as ingress-nginx', () => {
  for (const annotations of [
    {},
    { [n('limit-rps')]: '0' },
    { [n('limit-connections')]: '-3', [n('limit-allowlist')]: '10.0.0.0/8' },
    { [n('limit-burst-multiplier')]: '3' },
  ]) {
    assert.deepEqual(readRateLimits(annotations), { policies: {}, problems: [] });
  }
});

test('a value that is not an integer, or a bad allowlist, fails closed', () => {
  for (const [name, value] of [
    ['limit-rps', 'ten'],
    ['limit-rpm', '1.5'],
    ['limit-connections', '99999999999999999999'],
    ['limit-burst-multiplier', 'x'],
    ['limit-burst-multiplier', '-1'],
    ['limit-allowlist', '10.0.0.0/8,bad'],
  ] as const) {
    const read = readRateLimits({ [n('limit-rps')]: '5', [n(name)]: value });
    assert.deepEqual(read.failClosed, [n(name)], `${name}: ${value}`);
    assert.deepEqual(read.policies, {});
    assert.equal(read.problems[0]?.code, 'AccessControlNotEnforced');
  }
});
