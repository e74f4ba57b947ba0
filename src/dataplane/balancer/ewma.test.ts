import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { EWMA_DECAY_MS, EWMA_FAILURE_PENALTY_MS, Ewma } from './ewma.ts';

function backend(ports: readonly number[], id = 'b'): Backend {
  const endpoints: Endpoint[] = ports.map((port) => ({ address: '10.0.0.1', port }));
  return { id, namespace: 'ns', service: id, port: 80, endpoints, problem: null };
}

/** A clock moved by hand and a seeded generator: no test waits for time to pass. */
function setup(): { ewma: Ewma; clock: { now: number } } {
  const clock = { now: 0 };
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return { ewma: new Ewma({ now: () => clock.now, random }), clock };
}

const at = (b: Backend, i: number): Endpoint => b.endpoints[i] as Endpoint;

test('prefers the endpoint that answers faster', () => {
  const { ewma, clock } = setup();
  const b = backend([1, 2]);
  const counts = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const endpoint = ewma.pick(b) as Endpoint;
    counts.set(endpoint.port, (counts.get(endpoint.port) ?? 0) + 1);
    clock.now += 10;
    ewma.observe(b, endpoint, endpoint.port === 1 ? 5 : 300);
  }
  assert.ok((counts.get(1) ?? 0) >= 195, `fast endpoint got ${String(counts.get(1))} of 200`);
});

test('a slower sample takes the score at once (peak); faster ones move it by the decay', () => {
  const { ewma, clock } = setup();
  const b = backend([1, 2]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 10);
  assert.equal(ewma.scoreOf(b, at(b, 0)), 10);
  clock.now += 1;
  ewma.observe(b, at(b, 0), 400);
  assert.equal(ewma.scoreOf(b, at(b, 0)), 400);
  clock.now += EWMA_DECAY_MS;
  ewma.observe(b, at(b, 0), 0);
  assert.ok(Math.abs((ewma.scoreOf(b, at(b, 0)) ?? 0) - 400 / Math.E) < 1e-9);
});

test('the score fades towards 0 without samples, so a slow endpoint is tried again', () => {
  const { ewma, clock } = setup();
  const b = backend([1, 2]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 1);
  ewma.observe(b, at(b, 1), 500);
  clock.now += 10;
  assert.equal(ewma.pick(b)?.port, 1);
  clock.now += EWMA_DECAY_MS * 7; // 500 ms fades to 500 e^-7 ≈ 0.46 ms, below a fresh 1 ms
  ewma.observe(b, at(b, 0), 1);
  assert.equal(ewma.pick(b)?.port, 2);
});

test('a failure counts as a large penalty', () => {
  const { ewma } = setup();
  const b = backend([1, 2]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 200);
  ewma.observe(b, at(b, 1), null);
  assert.equal(ewma.scoreOf(b, at(b, 1)), EWMA_FAILURE_PENALTY_MS);
  for (let i = 0; i < 20; i++) assert.equal(ewma.pick(b)?.port, 1);
});

test('two distinct endpoints are compared: the worst of three is never picked', () => {
  const { ewma } = setup();
  const b = backend([1, 2, 3]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 10);
  ewma.observe(b, at(b, 1), 20);
  ewma.observe(b, at(b, 2), 900);
  const picked = new Set(Array.from({ length: 300 }, () => ewma.pick(b)?.port));
  assert.deepEqual([...picked].sort(), [1, 2]);
});

test('a new endpoint starts at the average of the others; gone ones are forgotten', () => {
  const { ewma } = setup();
  const b = backend([1, 2]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 100);
  ewma.observe(b, at(b, 1), 300);
  const next = backend([2, 3]);
  ewma.pick(next);
  assert.equal(ewma.scoreOf(next, at(next, 1)), 300);
  assert.equal(ewma.scoreOf(next, at(b, 0)), undefined);
});

test('no or one endpoint; backends never picked keep no scores; retain drops them', () => {
  const { ewma } = setup();
  assert.equal(ewma.pick(backend([])), undefined);
  assert.equal(ewma.pick(backend([4]))?.port, 4);
  const other = backend([1, 2], 'other');
  ewma.observe(other, at(other, 0), 5);
  assert.equal(ewma.scoreOf(other, at(other, 0)), undefined);
  const b = backend([1, 2]);
  ewma.pick(b);
  ewma.observe(b, at(b, 0), 5);
  ewma.retain(() => false);
  assert.equal(ewma.scoreOf(b, at(b, 0)), undefined);
});
