import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { endpointKey } from '../upstream/index.ts';
import { EndpointHealth, type FailureKind, type HealthEvent } from './endpoint-health.ts';
import { DEFAULT_OUTLIER_SETTINGS, type OutlierSettings } from './outlier-settings.ts';

const BASE = DEFAULT_OUTLIER_SETTINGS.baseEjectionMs;

function backendOf(count: number, id = 'shop/web:80'): Backend {
  const endpoints: Endpoint[] = Array.from({ length: count }, (_, i) => ({
    address: `10.0.0.${String(i + 1)}`,
    port: 8080,
  }));
  return { id, namespace: 'shop', service: 'web', port: 80, endpoints, problem: null };
}

function endpointAt(backend: Backend, index: number): Endpoint {
  const endpoint = backend.endpoints[index];
  assert.ok(endpoint !== undefined, `no endpoint ${String(index)}`);
  return endpoint;
}

/** An EndpointHealth on a clock the test moves, with the events it told. */
function harness(settings: Partial<OutlierSettings> = {}): {
  health: EndpointHealth;
  events: HealthEvent[];
  advance: (ms: number) => void;
} {
  let now = 1_000_000;
  const events: HealthEvent[] = [];
  const health = new EndpointHealth({
    settings: { ...DEFAULT_OUTLIER_SETTINGS, ...settings },
    now: () => now,
    onEvent: (event) => events.push(event),
  });
  return {
    health,
    events,
    advance: (ms) => {
      now += ms;
    },
  };
}

function fail(health: EndpointHealth, backend: Backend, endpoint: Endpoint, times: number): void {
  for (let i = 0; i < times; i++) health.failed(backend, endpoint, 'connect');
}

function ports(backend: Backend): string[] {
  return backend.endpoints.map((endpoint) => endpoint.address);
}

test('consecutive failures eject at the threshold and not before', () => {
  const { health, events } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 2);
  assert.equal(health.outCount, 0);
  assert.equal(health.isOut(bad), false);
  assert.equal(health.usable(backend), backend);
  health.failed(backend, bad, 'reset');
  assert.equal(health.outCount, 1);
  assert.equal(health.isOut(bad), true);
  assert.deepEqual(ports(health.usable(backend)), ['10.0.0.2', '10.0.0.3']);
  assert.deepEqual(events, [
    {
      type: 'ejected',
      endpoint: '10.0.0.1:8080',
      backend: 'shop/web:80',
      reason: 'reset',
      forMs: BASE,
      ejections: 1,
    },
  ]);
});

test('the threshold follows the setting, and 0 turns ejection off', () => {
  const five = harness({ consecutiveFailures: 5 });
  const backend = backendOf(3);
  fail(five.health, backend, endpointAt(backend, 0), 4);
  assert.equal(five.health.outCount, 0);
  fail(five.health, backend, endpointAt(backend, 0), 1);
  assert.equal(five.health.outCount, 1);

  const off = harness({ consecutiveFailures: 0 });
  fail(off.health, backend, endpointAt(backend, 0), 50);
  off.health.failed(backend, endpointAt(backend, 0), 'connect_timeout');
  assert.equal(off.health.outCount, 0);
  assert.deepEqual(off.health.snapshot(), []);
});

test('a success resets the count of failures in a row', () => {
  const { health } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 2);
  assert.equal(health.snapshot()[0]?.consecutiveFailures, 2);
  health.succeeded(backend, bad, 200);
  assert.deepEqual(health.snapshot(), [], 'a recovered endpoint that was never out is forgotten');
  fail(health, backend, bad, 2);
  assert.equal(health.outCount, 0);
  health.failed(backend, bad, 'timeout');
  assert.equal(health.outCount, 1);
});

test('a connect timeout ejects at once', () => {
  const { health, events } = harness();
  const backend = backendOf(3);
  health.failed(backend, endpointAt(backend, 1), 'connect_timeout');
  assert.equal(health.outCount, 1);
  assert.equal(events[0]?.reason, 'connect_timeout');
  assert.deepEqual(ports(health.usable(backend)), ['10.0.0.1', '10.0.0.3']);
});

test('5xx answers count only when consecutive5xx is set', () => {
  const off = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  for (let i = 0; i < 10; i++) off.health.failed(backend, bad, 'http_5xx');
  for (let i = 0; i < 10; i++) off.health.succeeded(backend, bad, 503);
  assert.equal(off.health.outCount, 0);
  assert.deepEqual(off.health.snapshot(), []);

  // A 5xx answer is a success for the other count: it resets the connect failures.
  fail(off.health, backend, bad, 2);
  off.health.succeeded(backend, bad, 502);
  fail(off.health, backend, bad, 2);
  assert.equal(off.health.outCount, 0);

  const on = harness({ consecutive5xx: 2 });
  on.health.failed(backend, bad, 'http_5xx');
  assert.equal(on.health.outCount, 0);
  on.health.failed(backend, bad, 'http_5xx');
  assert.equal(on.health.outCount, 1);
  assert.equal(on.events[0]?.reason, 'http_5xx');
});

test('5xx answers reported as outcomes eject an endpoint that never failed otherwise', () => {
  // The proxy reports every answer through succeeded(status); the 5xx count must start from a
  // healthy endpoint, not only from one that already failed some other way.
  const { health, events } = harness({ consecutive5xx: 2 });
  const backend = backendOf(3);
  const bad = endpointAt(backend, 2);
  health.succeeded(backend, bad, 500);
  health.succeeded(backend, bad, 503);
  assert.equal(health.outCount, 1);
  assert.equal(events[0]?.reason, 'http_5xx');
  // A 2xx between them breaks the run.
  const other = endpointAt(backend, 0);
  health.succeeded(backend, other, 500);
  health.succeeded(backend, other, 200);
  health.succeeded(backend, other, 500);
  assert.equal(health.isOut(other), false);
});

test('usable() keeps returning the same object while nothing changes', () => {
  const { health, advance } = harness();
  const backend = backendOf(4);
  assert.equal(health.usable(backend), backend, 'nothing out: the backend itself');
  fail(health, backend, endpointAt(backend, 3), 3);
  const view = health.usable(backend);
  assert.notEqual(view, backend);
  assert.deepEqual(ports(view), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.equal(view.id, backend.id);
  assert.ok(Object.isFrozen(view) && Object.isFrozen(view.endpoints));
  assert.equal(health.usable(backend), view);
  advance(BASE / 2);
  assert.equal(health.usable(backend), view, 'time alone changes nothing before the end');
  // Changes that do not change who is out keep the view: a failure elsewhere, a success.
  health.failed(backend, endpointAt(backend, 0), 'connect');
  health.succeeded(backend, endpointAt(backend, 1), 200);
  assert.equal(health.usable(backend), view);
  // Endpoint objects are the backend's own.
  assert.equal(view.endpoints[0], backend.endpoints[0]);
  advance(BASE / 2);
  assert.equal(health.usable(backend), backend, 'on probation: back in the list');
});

test('the share ejected is bounded: 3 endpoints at 50 % lose one, 10 lose five', () => {
  const { health } = harness();
  const three = backendOf(3);
  fail(health, three, endpointAt(three, 0), 3);
  fail(health, three, endpointAt(three, 1), 10);
  assert.equal(health.isOut(endpointAt(three, 0)), true);
  assert.equal(health.isOut(endpointAt(three, 1)), false, 'a second failing endpoint stays');
  assert.equal(health.outCount, 1);
  assert.deepEqual(ports(health.usable(three)), ['10.0.0.2', '10.0.0.3']);
  const failing = health.snapshot().find((entry) => entry.endpoint === '10.0.0.2:8080');
  assert.equal(failing?.state, 'failing');
  assert.equal(failing.consecutiveFailures, 10);

  const ten = harness();
  const big = backendOf(10, 'shop/big:80');
  for (let i = 0; i < 10; i++) fail(ten.health, big, endpointAt(big, i), 3);
  assert.equal(ten.health.outCount, 5);
  assert.deepEqual(ports(ten.health.usable(big)), [
    '10.0.0.6',
    '10.0.0.7',
    '10.0.0.8',
    '10.0.0.9',
    '10.0.0.10',
  ]);
});

test('at least one may go, but never the last endpoint', () => {
  const { health } = harness({ maxEjectedPercent: 0 });
  const two = backendOf(2);
  fail(health, two, endpointAt(two, 0), 3);
  assert.equal(health.outCount, 1, '0 % still allows one');
  fail(health, two, endpointAt(two, 1), 3);
  assert.equal(health.outCount, 1);

  const all = harness({ maxEjectedPercent: 100 });
  fail(all.health, two, endpointAt(two, 0), 3);
  fail(all.health, two, endpointAt(two, 1), 3);
  assert.equal(all.health.outCount, 1, '100 % still keeps one');
  assert.deepEqual(ports(all.health.usable(two)), ['10.0.0.2']);

  const single = backendOf(1);
  const alone = harness();
  fail(alone.health, single, endpointAt(single, 0), 10);
  alone.health.failed(single, endpointAt(single, 0), 'connect_timeout');
  assert.equal(alone.health.outCount, 0);
  assert.equal(alone.health.usable(single), single);
});

test('panic: when more than the allowed share is out, all endpoints are used', () => {
  const { health } = harness();
  const four = backendOf(4);
  fail(health, four, endpointAt(four, 0), 3);
  fail(health, four, endpointAt(four, 1), 3);
  assert.equal(health.outCount, 2);
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.3', '10.0.0.4']);
  // The Service shrank to three: two out of three is more than 50 % allows.
  const shrunk: Backend = { ...four, endpoints: four.endpoints.slice(0, 3) };
  assert.equal(health.usable(shrunk), shrunk);
  // And to the two ejected ones: nothing would be left.
  const gone: Backend = { ...four, endpoints: four.endpoints.slice(0, 2) };
  assert.equal(health.usable(gone), gone);
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.3', '10.0.0.4']);
});

test('each ejection lasts longer, up to the maximum', () => {
  const { health, events, advance } = harness({ maxEjectionMs: 3 * BASE + BASE / 2 });
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  const lengths: number[] = [];
  for (let round = 0; round < 5; round++) {
    fail(health, backend, bad, 3);
    const event = events.at(-1);
    assert.equal(event?.type, 'ejected');
    lengths.push(event.forMs);
    advance(event.forMs);
    health.succeeded(backend, bad, 200);
    assert.equal(events.at(-1)?.type, 'returned');
  }
  assert.deepEqual(lengths, [BASE, 2 * BASE, 3 * BASE, 3.5 * BASE, 3.5 * BASE]);
  assert.deepEqual(
    events.filter((event) => event.type === 'ejected').map((event) => event.ejections),
    [1, 2, 3, 4, 5],
  );
});

test('time in rotation pays back one ejection per base time', () => {
  const { health, events, advance } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  for (let round = 0; round < 3; round++) {
    fail(health, backend, bad, 3);
    advance(events.at(-1)?.forMs ?? 0);
    health.succeeded(backend, bad, 200);
  }
  assert.equal(events.at(-1)?.ejections, 3);
  advance(2 * BASE - 1);
  fail(health, backend, bad, 3);
  assert.equal(events.at(-1)?.forMs, 3 * BASE, 'less than two base times: one paid back');
  advance(3 * BASE);
  health.succeeded(backend, bad, 200);
  advance(10 * BASE);
  fail(health, backend, bad, 3);
  assert.equal(events.at(-1)?.forMs, BASE, 'a long time in rotation: back to the first length');
  assert.equal(events.at(-1)?.ejections, 1);
});

test('probation: one request probes, the others keep off until its outcome', () => {
  const { health, events, advance } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 3);
  health.attempt(bad);
  assert.equal(health.isOut(bad), true, 'no probe while ejected');
  advance(BASE - 1);
  assert.equal(health.snapshot()[0]?.state, 'ejected');
  advance(1);
  assert.equal(health.snapshot()[0]?.state, 'probation');
  assert.equal(health.isOut(bad), false);
  assert.equal(health.usable(backend), backend);
  assert.equal(health.outCount, 1, 'on probation still counts as out');
  health.attempt(bad);
  assert.equal(health.snapshot()[0]?.state, 'probing');
  assert.equal(health.isOut(bad), true);
  assert.deepEqual(ports(health.usable(backend)), ['10.0.0.2', '10.0.0.3']);
  health.succeeded(backend, bad, 204);
  assert.equal(health.outCount, 0);
  assert.equal(health.usable(backend), backend);
  assert.deepEqual(events.at(-1), {
    type: 'returned',
    endpoint: '10.0.0.1:8080',
    backend: 'shop/web:80',
    reason: null,
    forMs: 0,
    ejections: 1,
  });
});

test('a failed probe ejects again, for longer', () => {
  const { health, events, advance } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 3);
  advance(BASE);
  health.attempt(bad);
  health.failed(backend, bad, 'connect');
  assert.equal(events.length, 2);
  assert.equal(events[1]?.type, 'ejected');
  assert.equal(events[1].forMs, 2 * BASE);
  assert.equal(health.outCount, 1);
  assert.equal(health.snapshot()[0]?.state, 'ejected');
  advance(2 * BASE - 1);
  assert.equal(health.isOut(bad), true);
  advance(1);
  assert.equal(health.isOut(bad), false);
});

test('an answer to a request sent before the ejection neither returns it nor extends it', () => {
  const { health, events } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 3);
  health.succeeded(backend, bad, 200);
  health.failed(backend, bad, 'reset');
  assert.equal(events.length, 1);
  assert.equal(health.isOut(bad), true);
});

test('a probe without an outcome expires after one base time', () => {
  const { health, advance } = harness();
  const backend = backendOf(3);
  const bad = endpointAt(backend, 0);
  fail(health, backend, bad, 3);
  advance(BASE);
  health.attempt(bad);
  health.attempt(bad);
  advance(BASE - 1);
  assert.equal(health.isOut(bad), true);
  assert.equal(health.usable(backend).endpoints.length, 2);
  advance(1);
  assert.equal(health.isOut(bad), false);
  assert.equal(health.usable(backend), backend);
  assert.equal(health.snapshot()[0]?.state, 'probation');
  health.attempt(bad);
  assert.equal(health.snapshot()[0]?.state, 'probing', 'the next request probes again');
});

test('connects in progress are cancelled when their endpoint is ejected', () => {
  const { health } = harness();
  const backend = backendOf(3);
  const cancelled: string[] = [];
  health.trackConnect('10.0.0.1:8080', () => cancelled.push('a'));
  const b = health.trackConnect('10.0.0.1:8080', () => cancelled.push('b'));
  health.trackConnect('10.0.0.2:8080', () => cancelled.push('other'));
  b.done();
  fail(health, backend, endpointAt(backend, 0), 2);
  assert.deepEqual(cancelled, []);
  health.failed(backend, endpointAt(backend, 0), 'connect');
  assert.deepEqual(cancelled, ['a']);
});

test('a cancel that ends its connect while being called does not disturb the others', () => {
  const { health } = harness();
  const backend = backendOf(3);
  const called: number[] = [];
  const tracked: Array<{ done(): void }> = [];
  for (let i = 0; i < 3; i++) {
    tracked.push(
      health.trackConnect('10.0.0.1:8080', () => {
        called.push(i);
        tracked[i]?.done();
      }),
    );
  }
  health.failed(backend, endpointAt(backend, 0), 'connect_timeout');
  assert.deepEqual(called, [0, 1, 2]);
});

test('slowConnectMs follows the setting, 250 ms by default', () => {
  assert.equal(new EndpointHealth().slowConnectMs, 250);
  assert.equal(harness({ slowConnectMs: 0 }).health.slowConnectMs, 0);
  assert.equal(harness({ slowConnectMs: 1_234 }).health.slowConnectMs, 1_234);
});

test('a slow connect takes its endpoint out of rotation until it ends', () => {
  const { health, events } = harness();
  const backend = backendOf(3);
  const slowOne = endpointAt(backend, 1);
  const connect = health.trackConnect('10.0.0.2:8080', () => assert.fail('not cancelled'));
  assert.equal(health.usable(backend), backend, 'pending, not slow yet');
  assert.equal(health.isOut(slowOne), false);
  assert.deepEqual(health.snapshot(), []);
  connect.slow();
  const view = health.usable(backend);
  assert.deepEqual(ports(view), ['10.0.0.1', '10.0.0.3']);
  assert.equal(health.usable(backend), view, 'the same view while it stays slow');
  assert.equal(health.isOut(slowOne), true);
  assert.equal(health.outCount, 0, 'not ejected');
  assert.deepEqual(health.snapshot(), [
    {
      endpoint: '10.0.0.2:8080',
      state: 'slow-connect',
      reason: null,
      until: null,
      consecutiveFailures: 0,
      ejections: 0,
    },
  ]);
  connect.slow();
  connect.done();
  assert.equal(health.usable(backend), backend, 'slow() twice counts once: one done() ends it');
  assert.equal(health.isOut(slowOne), false);
  assert.deepEqual(health.snapshot(), []);
  connect.done();
  connect.slow();
  assert.equal(health.usable(backend), backend, 'done() twice, and slow() after done(): nothing');
  assert.deepEqual(events, []);
});

test('an endpoint stays out while any of its slow connects is pending', () => {
  const { health } = harness();
  const backend = backendOf(4);
  const first = health.trackConnect('10.0.0.1:8080', () => undefined);
  const second = health.trackConnect('10.0.0.1:8080', () => undefined);
  const fast = health.trackConnect('10.0.0.1:8080', () => undefined);
  first.slow();
  second.slow();
  fast.done();
  first.done();
  assert.equal(health.isOut(endpointAt(backend, 0)), true, 'the second is still slow');
  assert.deepEqual(ports(health.usable(backend)), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  second.done();
  assert.equal(health.isOut(endpointAt(backend, 0)), false);
  assert.equal(health.usable(backend), backend);
});

test('slow connects are left out only within the share; the others stay in rotation', () => {
  const { health } = harness();
  const four = backendOf(4);
  const a = health.trackConnect('10.0.0.1:8080', () => undefined);
  const b = health.trackConnect('10.0.0.2:8080', () => undefined);
  const c = health.trackConnect('10.0.0.3:8080', () => undefined);
  a.slow();
  b.slow();
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.3', '10.0.0.4'], '2 of 4 at 50 %');
  c.slow();
  assert.deepEqual(
    ports(health.usable(four)),
    ['10.0.0.3', '10.0.0.4'],
    'a third slow endpoint has no room under the share: it stays in',
  );
  assert.equal(health.isOut(endpointAt(four, 2)), true, 'isOut() still says slow');
  c.done();
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.3', '10.0.0.4']);
  // A single endpoint is never taken away, nor a two-endpoint backend's both.
  const single = backendOf(1);
  assert.equal(health.usable(single), single);
  const two = backendOf(2);
  assert.deepEqual(ports(health.usable(two)), ['10.0.0.2']);
  b.done();
  assert.deepEqual(ports(health.usable(two)), ['10.0.0.2']);
  a.done();
  assert.equal(health.usable(four), four);
});

test('ejected endpoints take the share first: a slow connect never brings one back', () => {
  const { health } = harness();
  const two = backendOf(2);
  health.failed(two, endpointAt(two, 0), 'connect_timeout');
  assert.deepEqual(ports(health.usable(two)), ['10.0.0.2']);
  const slow = health.trackConnect('10.0.0.2:8080', () => undefined);
  slow.slow();
  assert.deepEqual(ports(health.usable(two)), ['10.0.0.2'], 'no room: the slow one stays in');
  const four = backendOf(4);
  const third = health.trackConnect('10.0.0.3:8080', () => undefined);
  third.slow();
  assert.deepEqual(
    ports(health.usable(four)),
    ['10.0.0.3', '10.0.0.4'],
    'the ejected one out first, then the first slow one while there is room',
  );
  slow.done();
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.2', '10.0.0.4']);
  third.done();
});

test('a slow connect to an ejected endpoint is cancelled, and its end does not return it', () => {
  const { health, events } = harness();
  const backend = backendOf(3);
  let cancelled = 0;
  const connect = health.trackConnect('10.0.0.1:8080', () => {
    cancelled++;
    connect.done();
  });
  connect.slow();
  health.failed(backend, endpointAt(backend, 0), 'connect_timeout');
  assert.equal(cancelled, 1);
  assert.equal(health.outCount, 1);
  assert.equal(health.isOut(endpointAt(backend, 0)), true);
  assert.equal(health.snapshot()[0]?.state, 'ejected');
  assert.deepEqual(ports(health.usable(backend)), ['10.0.0.2', '10.0.0.3']);
  assert.deepEqual(
    events.map((event) => event.type),
    ['ejected'],
  );
});

test('retain() keeps an endpoint with a pending slow connect until the connect ends', () => {
  const { health } = harness();
  const backend = backendOf(3);
  const connect = health.trackConnect('10.0.0.1:8080', () => undefined);
  connect.slow();
  health.retain(() => false);
  assert.equal(health.snapshot()[0]?.state, 'slow-connect');
  assert.equal(health.isOut(endpointAt(backend, 0)), true);
  connect.done();
  assert.equal(health.isOut(endpointAt(backend, 0)), false);
  assert.equal(health.usable(backend), backend);
  health.retain(() => false);
  assert.deepEqual(health.snapshot(), []);
  // A new slow connect after retain() starts from a fresh state.
  const again = health.trackConnect('10.0.0.1:8080', () => undefined);
  again.slow();
  assert.equal(health.isOut(endpointAt(backend, 0)), true);
  again.done();
  assert.equal(health.isOut(endpointAt(backend, 0)), false);
});

test('a failed probe re-ejects without going over the share: probation counts as out', () => {
  const { health, advance } = harness();
  const four = backendOf(4);
  fail(health, four, endpointAt(four, 0), 3);
  fail(health, four, endpointAt(four, 1), 3);
  advance(BASE);
  assert.equal(health.usable(four), four, 'both on probation: all in rotation');
  // A third endpoint fails meanwhile: with two of four still on probation, it may not go.
  fail(health, four, endpointAt(four, 2), 3);
  assert.equal(health.isOut(endpointAt(four, 2)), false);
  assert.equal(health.outCount, 2);
  // Both probes fail: both are ejected again, and the backend keeps half its endpoints.
  for (const index of [0, 1]) {
    health.attempt(endpointAt(four, index));
    health.failed(four, endpointAt(four, index), 'connect');
    const view = health.usable(four);
    assert.notEqual(view, four, 'no panic');
    assert.ok(view.endpoints.length >= 2, `${String(view.endpoints.length)} left`);
  }
  assert.deepEqual(ports(health.usable(four)), ['10.0.0.3', '10.0.0.4']);
  assert.equal(health.outCount, 2);
  // Once one is returned by its probe, the third may go.
  advance(2 * BASE);
  health.attempt(endpointAt(four, 0));
  health.succeeded(four, endpointAt(four, 0), 200);
  health.failed(four, endpointAt(four, 2), 'connect');
  assert.equal(health.isOut(endpointAt(four, 2)), true);
  assert.equal(health.outCount, 2);
});

test('retain() forgets endpoints that are gone and frees their place', () => {
  const { health } = harness();
  const backend = backendOf(3);
  fail(health, backend, endpointAt(backend, 0), 3);
  fail(health, backend, endpointAt(backend, 1), 2);
  assert.equal(health.outCount, 1);
  health.retain((endpoint) => endpoint !== '10.0.0.1:8080');
  assert.equal(health.outCount, 0);
  assert.deepEqual(
    health.snapshot().map((entry) => entry.endpoint),
    ['10.0.0.2:8080'],
  );
  assert.equal(health.usable(backend), backend);
  // The freed place lets the next failing endpoint go.
  health.failed(backend, endpointAt(backend, 1), 'connect');
  assert.equal(health.isOut(endpointAt(backend, 1)), true);
  health.retain(() => false);
  assert.equal(health.outCount, 0);
  assert.deepEqual(health.snapshot(), []);
});

test('snapshot() lists each tracked endpoint with its state and the end of its ejection', () => {
  const { health, advance } = harness();
  const backend = backendOf(6);
  const before = Date.now();
  fail(health, backend, endpointAt(backend, 0), 3);
  health.failed(backend, endpointAt(backend, 1), 'connect_timeout');
  health.failed(backend, endpointAt(backend, 2), 'reset');
  advance(BASE / 2);
  const entries = health.snapshot();
  const after = Date.now();
  assert.deepEqual(
    entries.map((entry) => ({ ...entry, until: entry.until === null ? null : 'set' })),
    [
      {
        endpoint: '10.0.0.1:8080',
        state: 'ejected',
        reason: 'connect',
        until: 'set',
        consecutiveFailures: 0,
        ejections: 1,
      },
      {
        endpoint: '10.0.0.2:8080',
        state: 'ejected',
        reason: 'connect_timeout',
        until: 'set',
        consecutiveFailures: 0,
        ejections: 1,
      },
      {
        endpoint: '10.0.0.3:8080',
        state: 'failing',
        reason: 'reset',
        until: null,
        consecutiveFailures: 1,
        ejections: 0,
      },
    ],
  );
  for (const entry of entries.slice(0, 2)) {
    assert.ok(entry.until !== null);
    assert.ok(entry.until >= before + BASE / 2 && entry.until <= after + BASE / 2, 'wall time');
  }
  assert.equal(entries[2]?.until, null);
});

const POOL: readonly Endpoint[] = Array.from({ length: 8 }, (_, i) => ({
  address: i % 2 === 0 ? `10.1.0.${String(i)}` : `fd00::${String(i)}`,
  port: 80 + (i % 3),
}));

type Step =
  | {
      readonly op: 'failed';
      readonly backend: number;
      readonly endpoint: number;
      readonly kind: FailureKind;
    }
  | {
      readonly op: 'succeeded';
      readonly backend: number;
      readonly endpoint: number;
      readonly status: number;
    }
  | { readonly op: 'attempt'; readonly endpoint: number }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'retain'; readonly keep: readonly boolean[] }
  | { readonly op: 'connect'; readonly endpoint: number }
  | { readonly op: 'slow'; readonly connect: number }
  | { readonly op: 'done'; readonly connect: number };

const KINDS: readonly FailureKind[] = [
  'connect',
  'connect_timeout',
  'reset',
  'timeout',
  'http_5xx',
];

test('property: usable() never empties a backend nor drops more than the allowed share', (t) => {
  // Connects are tracked as cancellableConnector does: a cancel ends the connect at once.
  const settings = fc.record({
    consecutiveFailures: fc.integer({ min: 0, max: 4 }),
    consecutive5xx: fc.integer({ min: 0, max: 3 }),
    baseEjectionMs: fc.integer({ min: 1, max: 5_000 }),
    maxEjectionFactor: fc.integer({ min: 1, max: 8 }),
    maxEjectedPercent: fc.integer({ min: 0, max: 100 }),
    slowConnectMs: fc.constantFrom(0, 250),
  });
  // Backends are subsets of one pool of endpoints, so health is shared between them.
  const backends = fc.array(fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]), { minLength: 1, maxLength: 4 });
  const index = fc.nat({ max: 7 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('failed' as const),
        backend: fc.nat({ max: 3 }),
        endpoint: index,
        kind: fc.constantFrom(...KINDS),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('succeeded' as const),
        backend: fc.nat({ max: 3 }),
        endpoint: index,
        status: fc.constantFrom(200, 404, 500, 503),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('attempt' as const), endpoint: index }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('advance' as const),
        ms: fc.integer({ min: 0, max: 12_000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('retain' as const),
        keep: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('connect' as const), endpoint: index }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('slow' as const), connect: fc.nat({ max: 15 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('done' as const), connect: fc.nat({ max: 15 }) }),
    },
  );
  // How often the runs reached the states worth checking, so that the property cannot pass idly.
  const seen = { partial: 0, probing: 0, panic: 0, slow: 0, slowPanic: 0 };
  fc.assert(
    fc.property(
      settings,
      backends,
      fc.array(step, { minLength: 10, maxLength: 120, size: 'max' }),
      (s, members, steps) => {
        let now = 0;
        const health = new EndpointHealth({
          settings: {
            consecutiveFailures: s.consecutiveFailures,
            consecutive5xx: s.consecutive5xx,
            baseEjectionMs: s.baseEjectionMs,
            maxEjectionMs: s.baseEjectionMs * s.maxEjectionFactor,
            maxEjectedPercent: s.maxEjectedPercent,
            slowConnectMs: s.slowConnectMs,
          },
          now: () => now,
        });
        const connects: Array<{ slow(): void; done(): void }> = [];
        const lastViews = new Map<Backend, Backend>();
        const all: Backend[] = members.map((list, i) => ({
          id: `b${String(i)}`,
          namespace: 'ns',
          service: `s${String(i)}`,
          port: 80,
          endpoints: list.map((n) => POOL[n] as Endpoint),
          problem: null,
        }));
        const pick = (n: number): Backend => all[n % all.length] as Backend;
        for (const current of steps) {
          if (current.op === 'failed') {
            health.failed(pick(current.backend), POOL[current.endpoint] as Endpoint, current.kind);
          } else if (current.op === 'succeeded') {
            health.succeeded(
              pick(current.backend),
              POOL[current.endpoint] as Endpoint,
              current.status,
            );
          } else if (current.op === 'attempt') {
            health.attempt(POOL[current.endpoint] as Endpoint);
          } else if (current.op === 'advance') {
            now += current.ms;
          } else if (current.op === 'connect') {
            const tracked = health.trackConnect(
              endpointKey(POOL[current.endpoint] as Endpoint),
              () => {
                tracked.done();
              },
            );
            connects.push(tracked);
          } else if (current.op === 'slow') {
            connects[current.connect % Math.max(1, connects.length)]?.slow();
          } else if (current.op === 'done') {
            connects[current.connect % Math.max(1, connects.length)]?.done();
          } else {
            const live = new Set(POOL.filter((_, i) => current.keep[i]).map(endpointKey));
            health.retain((key) => live.has(key));
          }
          const entries = health.snapshot();
          const out = entries.filter(
            (entry) => entry.state !== 'failing' && entry.state !== 'slow-connect',
          ).length;
          if (entries.some((entry) => entry.state === 'probing')) seen.probing++;
          const slow = entries.some((entry) => entry.state === 'slow-connect');
          if (slow) seen.slow++;
          assert.equal(health.outCount, out, 'outCount counts the entries out of rotation');
          for (const backend of all) {
            const view = health.usable(backend);
            assert.equal(health.usable(backend), view, 'the same view until something changes');
            const last = lastViews.get(backend);
            if (
              last !== undefined &&
              view !== backend &&
              last.endpoints.length === view.endpoints.length &&
              last.endpoints.every((e, i) => view.endpoints[i] === e)
            ) {
              assert.equal(
                view,
                last,
                'the same endpoints: the same object (balancers keep state)',
              );
            }
            lastViews.set(backend, view);
            const n = backend.endpoints.length;
            if (n > 0) assert.ok(view.endpoints.length > 0, 'never an empty backend');
            const allowed = Math.max(1, Math.floor((n * s.maxEjectedPercent) / 100));
            assert.ok(n - view.endpoints.length <= allowed, 'at most the allowed share out');
            assert.deepEqual(
              view.endpoints,
              backend.endpoints.filter((e) => view.endpoints.includes(e)),
              "the backend's endpoints, in order",
            );
            if (view === backend && backend.endpoints.some((e) => health.isOut(e))) {
              seen.panic++;
              if (slow) seen.slowPanic++;
            }
            if (view !== backend) {
              seen.partial++;
              const ejected = new Set(
                health
                  .snapshot()
                  .filter((entry) => entry.state === 'ejected' || entry.state === 'probing')
                  .map((entry) => entry.endpoint),
              );
              for (const e of backend.endpoints) {
                const key = endpointKey(e);
                if (!view.endpoints.includes(e)) assert.ok(health.isOut(e), 'left out: isOut');
                if (ejected.has(key)) assert.ok(!view.endpoints.includes(e), 'ejected: left out');
              }
            }
          }
        }
      },
    ),
    { numRuns: 500 },
  );
  assert.ok(
    seen.partial > 100 && seen.probing > 20 && seen.panic > 5 && seen.slow > 50,
    JSON.stringify(seen),
  );
  t.diagnostic(`states reached: ${JSON.stringify(seen)}`);
});
