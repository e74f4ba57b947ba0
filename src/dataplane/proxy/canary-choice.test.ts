import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, CanaryRoute, PathRoute } from '../../ir/index.ts';
import { balancingRouteFor, canaryRulesChoose, chooseBackend } from './canary-choice.ts';

const BASE: CanaryRoute = {
  backend: 'shop/next:80',
  source: { namespace: 'shop', name: 'canary' },
  weight: 0,
  weightTotal: 100,
};
const never = (): number => {
  throw new Error('the weight was drawn');
};
const choose = (canary: Partial<CanaryRoute>, headers: string[], random = never): boolean =>
  canaryRulesChoose({ ...BASE, ...canary }, headers, random);

test('header always / never decide; another value goes on to the cookie and the weight', () => {
  const header = { name: 'x-canary', match: 'always-never' } as const;
  assert.equal(choose({ header }, ['X-Canary', 'always']), true);
  assert.equal(choose({ header, weight: 100 }, ['x-canary', 'never']), false);
  assert.equal(choose({ header, cookie: 'c' }, ['X-CANARY', 'Always', 'Cookie', 'c=always']), true);
  assert.equal(choose({ header }, []), false);
  // Two lines are joined, as nginx's $http_x_canary: "always, always" is another value.
  assert.equal(choose({ header }, ['x-canary', 'always', 'x-canary', 'always']), false);
  // A header spelt with `_` is not the header (nginx drops such headers).
  assert.equal(choose({ header }, ['x_canary', 'always']), false);
});

test('header value: that exact value is the canary, any other goes on (never is not special)', () => {
  const header = { name: 'x-version', match: 'value', value: 'v2' } as const;
  assert.equal(choose({ header }, ['x-version', 'v2']), true);
  assert.equal(choose({ header }, ['x-version', 'V2']), false);
  assert.equal(choose({ header }, ['x-version', 'always']), false);
  assert.equal(choose({ header, cookie: 'c' }, ['x-version', 'never', 'cookie', 'c=always']), true);
});

test('header pattern: unanchored, case-sensitive RE2; an unusable pattern keeps the main backend', () => {
  const header = { name: 'x-version', match: 'pattern', pattern: 'v[0-9]+' } as const;
  assert.equal(choose({ header }, ['x-version', 'beta-v12']), true);
  assert.equal(choose({ header }, ['x-version', 'V12']), false);
  assert.equal(
    choose({ header, weight: 100 }, ['x-version', 'none'], () => 0),
    true,
  );
  const unusable = { name: 'x-version', match: 'unusable-pattern' } as const;
  assert.equal(choose({ header: unusable, weight: 100 }, ['x-version', 'v1']), false);
  assert.equal(
    choose({ header: unusable, weight: 100 }, [], () => 0.5),
    true,
  );
});

test('cookie always / never decide, by name without regard to case; others go on', () => {
  assert.equal(choose({ cookie: 'canary' }, ['Cookie', 'a=b; Canary=always']), true);
  assert.equal(choose({ cookie: 'canary', weight: 100 }, ['cookie', 'canary=never']), false);
  assert.equal(choose({ cookie: 'canary' }, ['cookie', 'canary=maybe']), false);
  // The first cookie of the name counts.
  assert.equal(
    choose({ cookie: 'canary' }, ['cookie', 'canary=never', 'cookie', 'canary=always']),
    false,
  );
});

test('weight: an integer from 1 to the total, at most the weight', () => {
  const at =
    (value: number): (() => number) =>
    () =>
      value;
  assert.equal(choose({ weight: 20 }, [], at(0)), true);
  assert.equal(choose({ weight: 20 }, [], at(0.199)), true);
  assert.equal(choose({ weight: 20 }, [], at(0.2)), false);
  assert.equal(choose({ weight: 20, weightTotal: 1000 }, [], at(0.0199)), true);
  assert.equal(choose({ weight: 20, weightTotal: 1000 }, [], at(0.02)), false);
  assert.equal(choose({ weight: 100 }, [], at(0.9999)), true);
  assert.equal(choose({ weight: 0 }, []), false, 'no draw for a weight of 0');
  assert.equal(choose({ weight: -5 }, []), false);
});

const backend = (id: string, endpoints = 1): Backend => ({
  id,
  namespace: 'shop',
  service: id,
  port: 80,
  endpoints: Array.from({ length: endpoints }, (_, i) => ({
    address: `10.0.0.${String(i + 1)}`,
    port: 80,
  })),
  problem: null,
});

const route = (canary?: CanaryRoute): PathRoute => ({
  path: '/',
  match: 'Prefix',
  declaredPathType: 'Prefix',
  backend: 'main',
  source: { namespace: 'shop', name: 'main', rule: 0, path: 0 },
  sslRedirect: false,
  policies: { balance: { method: 'ewma' } },
  ...(canary === undefined ? {} : { canary }),
});

test('chooseBackend: the canary when chosen; the main backend when the canary has no endpoint', () => {
  const main = backend('main');
  const next = backend('shop/next:80');
  const table = (canary: Backend): { backend(id: string): Backend | undefined } => ({
    backend: (id) => (id === canary.id ? canary : undefined),
  });
  const always = { ...BASE, weight: 100 };
  assert.equal(
    chooseBackend(route(always), main, [], table(next), () => 0.5),
    next,
  );
  assert.equal(chooseBackend(route(BASE), main, [], table(next)), main);
  assert.equal(chooseBackend(route(), main, [], table(next)), main);
  assert.equal(chooseBackend(null, main, [], table(next)), main);
  const empty = backend('shop/next:80', 0);
  assert.equal(chooseBackend(route(always), main, [], table(empty), never), main);
  const missing = { ...next, problem: { code: 'ServiceNotFound', message: 'gone' } } as const;
  assert.equal(chooseBackend(route(always), main, [], table(missing), never), main);
});

test("balancingRouteFor: the canary's own balancing for the canary backend only", () => {
  const main = backend('main');
  const next = backend('shop/next:80');
  const plain = route({ ...BASE });
  assert.equal(balancingRouteFor(plain, main, main), plain);
  assert.equal(balancingRouteFor(plain, next, main)?.policies?.balance, undefined);
  const hashed = route({
    ...BASE,
    balance: { method: 'hash', key: [{ variable: 'remote_addr' }] },
  });
  assert.deepEqual(balancingRouteFor(hashed, next, main)?.policies?.balance, {
    method: 'hash',
    key: [{ variable: 'remote_addr' }],
  });
  assert.deepEqual(hashed.policies?.balance, { method: 'ewma' }, 'the route is not changed');
});
