import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { RoundRobin } from './round-robin.ts';

function backend(id: string, ports: readonly number[]): Backend {
  const endpoints: Endpoint[] = ports.map((port) => ({ address: '10.0.0.1', port }));
  return { id, namespace: 'ns', service: id, port: 80, endpoints, problem: null };
}

test('cycles through every endpoint in order', () => {
  const balancer = new RoundRobin();
  const b = backend('a', [1, 2, 3]);
  const picked = Array.from({ length: 7 }, () => balancer.pick(b)?.port);
  assert.deepEqual(picked, [1, 2, 3, 1, 2, 3, 1]);
});

test('no endpoints gives undefined', () => {
  assert.equal(new RoundRobin().pick(backend('a', [])), undefined);
});

test('position is per backend id and survives a new backend object (table swap)', () => {
  const balancer = new RoundRobin();
  assert.equal(balancer.pick(backend('a', [1, 2, 3]))?.port, 1);
  assert.equal(balancer.pick(backend('b', [7, 8]))?.port, 7);
  assert.equal(balancer.pick(backend('a', [1, 2, 3]))?.port, 2);
});

test('a shorter endpoint list applies at the next pick', () => {
  const balancer = new RoundRobin();
  const long = backend('a', [1, 2, 3, 4]);
  balancer.pick(long);
  balancer.pick(long);
  balancer.pick(long);
  const short = backend('a', [5, 6]);
  const picked = [
    balancer.pick(short)?.port,
    balancer.pick(short)?.port,
    balancer.pick(short)?.port,
  ];
  assert.deepEqual(picked, [6, 5, 6]);
});

test('retain drops the state of backends that are gone', () => {
  const balancer = new RoundRobin();
  balancer.pick(backend('a', [1, 2]));
  balancer.pick(backend('b', [1, 2]));
  balancer.retain((id) => id === 'b');
  assert.equal(balancer.pick(backend('a', [1, 2]))?.port, 1);
  assert.equal(balancer.pick(backend('b', [1, 2]))?.port, 2);
});
