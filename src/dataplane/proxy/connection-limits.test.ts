import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { ConnectionLimits, type ConnectionLimitsOptions } from './connection-limits.ts';

/** Enough of a socket for the limits: an address, destroy(), and 'close' after it. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  readonly remoteAddress: string;
  constructor(remoteAddress: string) {
    super();
    this.remoteAddress = remoteAddress;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

function limitsOf(options: Partial<ConnectionLimitsOptions>): ConnectionLimits {
  return new ConnectionLimits({
    maxConnections: 100,
    maxPerClient: 100,
    exempt: () => false,
    ...options,
  });
}

function open(limits: ConnectionLimits, address: string): FakeSocket | null {
  const socket = new FakeSocket(address);
  return limits.admit(socket as unknown as Socket) ? socket : null;
}

test('one address gets its share, other addresses theirs', () => {
  const limits = limitsOf({ maxPerClient: 2 });
  const first = open(limits, '10.0.0.1');
  assert.ok(first);
  assert.ok(open(limits, '10.0.0.1'));
  assert.equal(open(limits, '10.0.0.1'), null);
  assert.equal(open(limits, '::ffff:10.0.0.1'), null, 'mapped IPv4 is the same client');
  assert.ok(open(limits, '10.0.0.2'));
  assert.deepEqual(limits.shed(), { evicted: 0, clientLimit: 2, limit: 0 });
  first.destroy();
  assert.ok(open(limits, '10.0.0.1'), 'a closed connection frees its share');
});

test('IPv6 clients share one count per /64', () => {
  const limits = limitsOf({ maxPerClient: 2 });
  assert.ok(open(limits, '2001:db8:0:1::1'));
  assert.ok(open(limits, '2001:db8:0:1::2'));
  assert.equal(open(limits, '2001:db8:0:1:ffff::3'), null);
  assert.ok(open(limits, '2001:db8:0:2::1'));
});

test('exempt addresses (trusted proxies) are not limited per client', () => {
  const limits = limitsOf({ maxPerClient: 1, exempt: (address) => address === '10.0.0.9' });
  for (let i = 0; i < 5; i++) assert.ok(open(limits, '10.0.0.9'));
  assert.equal(limits.clients, 0);
});

test('only addresses with open connections are held', () => {
  const limits = limitsOf({});
  const sockets = Array.from({ length: 50 }, (_, i) => open(limits, `10.0.1.${String(i)}`));
  assert.equal(limits.clients, 50);
  for (const socket of sockets) socket?.destroy();
  assert.equal(limits.clients, 0);
  assert.equal(limits.open, 0);
});

test('at the limit the least recently active idle connection makes room', () => {
  const limits = limitsOf({ maxConnections: 3 });
  const [a, b, c] = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((address) => open(limits, address));
  assert.ok(a && b && c);
  // a works and falls idle again: it is now the most recently active, b the oldest idle.
  limits.workStarted(a as unknown as Socket)?.();
  const d = open(limits, '10.0.0.4');
  assert.ok(d);
  assert.deepEqual([a.destroyed, b.destroyed, c.destroyed], [false, true, false]);
  assert.equal(limits.open, 3);
  assert.deepEqual(limits.shed(), { evicted: 1, clientLimit: 0, limit: 0 });
});

test('busy connections are never evicted; with all busy, the new one is refused', () => {
  const limits = limitsOf({ maxConnections: 2 });
  const a = open(limits, '10.0.0.1');
  const b = open(limits, '10.0.0.2');
  assert.ok(a && b);
  const endA = limits.workStarted(a as unknown as Socket);
  const endB = limits.workStarted(b as unknown as Socket);
  limits.workStarted(b as unknown as Socket);
  assert.equal(open(limits, '10.0.0.3'), null);
  endB?.();
  assert.equal(open(limits, '10.0.0.3'), null, 'b still has one piece of work');
  endA?.();
  assert.ok(open(limits, '10.0.0.3'), 'a fell idle and made room');
  assert.equal(a.destroyed, true);
  assert.equal(b.destroyed, false);
  assert.deepEqual(limits.shed(), { evicted: 1, clientLimit: 0, limit: 2 });
});

test('sockets it does not know are ignored', () => {
  const limits = limitsOf({});
  assert.equal(limits.workStarted(new FakeSocket('10.0.0.1') as unknown as Socket), null);
  assert.equal(limits.workStarted(null), null);
});

test('identify: a PROXY client is counted in place of its balancer, and held to its share', () => {
  const limits = limitsOf({ maxPerClient: 1, exempt: (address) => address === '10.9.9.9' });
  const first = open(limits, '10.9.9.9');
  const second = open(limits, '10.9.9.9');
  assert.ok(first && second, 'the balancer itself is exempt');
  assert.equal(limits.clients, 0);
  assert.ok(limits.identify(first as unknown as Socket, '203.0.113.1'));
  assert.equal(limits.clients, 1);
  // The same client through another connection of the balancer: over its share.
  assert.equal(limits.identify(second as unknown as Socket, '203.0.113.1'), false);
  assert.deepEqual(limits.shed(), { evicted: 0, clientLimit: 1, limit: 0 });
  // Another client is fine; closing frees the client's share.
  assert.ok(limits.identify(second as unknown as Socket, '203.0.113.2'));
  first.destroy();
  assert.equal(limits.clients, 1);
  const third = open(limits, '10.9.9.9');
  assert.ok(third && limits.identify(third as unknown as Socket, '203.0.113.1'));
});
