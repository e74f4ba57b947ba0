import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectionOptions } from 'node:tls';
import {
  startUnacceptingListener,
  type UnacceptingListener,
} from '../../../test/helpers/unaccepting-listener.ts';
import { until } from '../../../test/helpers/until.ts';
import { sendUpstream } from '../../../test/helpers/upstream-exchange.ts';
import type { Backend } from '../../ir/index.ts';
import { ProxyError } from '../errors.ts';
import { DEFAULT_OUTLIER_SETTINGS, EndpointHealth } from '../health/index.ts';
import {
  CONNECT_CANCELLED,
  connectUpstream,
  type ConnectTracker,
  type TrackedConnect,
} from './connect-upstream.ts';
import { H1Origin } from './h1-origin.ts';

/** One connect as the tracker saw it: when (ms after it was registered) it was slow and done. */
interface Registration {
  readonly endpoint: string;
  readonly cancel: () => void;
  readonly slowAt: number[];
  readonly doneAt: number[];
}

/**
 * A tracker that keeps what is registered, so the test can cancel it (even after it ended, to
 * see that this does nothing), and records each slow() and done() with its time.
 */
class RecordingTracker implements ConnectTracker {
  readonly registrations: Registration[] = [];

  readonly slowConnectMs: number;

  constructor(slowConnectMs = 0) {
    this.slowConnectMs = slowConnectMs;
  }

  trackConnect(endpoint: string, cancel: () => void): TrackedConnect {
    const started = performance.now();
    const registration: Registration = { endpoint, cancel, slowAt: [], doneAt: [] };
    this.registrations.push(registration);
    return {
      slow: () => registration.slowAt.push(performance.now() - started),
      done: () => registration.doneAt.push(performance.now() - started),
    };
  }

  /** Connects registered and not done yet. */
  live(endpoint: string): number {
    return this.registrations.filter((r) => r.endpoint === endpoint && r.doneAt.length === 0)
      .length;
  }

  cancelAll(endpoint: string): void {
    for (const r of this.registrations) if (r.endpoint === endpoint) r.cancel();
  }

  only(): Registration {
    assert.equal(this.registrations.length, 1, 'one connect registered');
    const registration = this.registrations[0];
    assert.ok(registration !== undefined);
    return registration;
  }
}

interface Outcome {
  readonly error: (Error & { code?: string }) | null;
  readonly socket: Socket | null;
}

/** The tracker's key for a loopback port. */
function keyOf(port: number): string {
  return `127.0.0.1:${String(port)}`;
}

/**
 * Runs one connect to 127.0.0.1:`port`; `first` resolves at its first callback, and `calls`
 * records every callback. `socket` is the socket connectUpstream returned.
 */
function connectOnce(
  port: number,
  timeoutMs: number,
  tracker: ConnectTracker | undefined,
  tls?: ConnectionOptions,
): { socket: Socket; first: Promise<Outcome>; calls: Outcome[] } {
  const calls: Outcome[] = [];
  let resolve: (outcome: Outcome) => void = () => undefined;
  const first = new Promise<Outcome>((done) => {
    resolve = done;
  });
  const socket = connectUpstream(
    { hostname: '127.0.0.1', port, endpoint: keyOf(port), tls, timeoutMs },
    tracker,
    (error, connected) => {
      const outcome = { error, socket: connected };
      calls.push(outcome);
      resolve(outcome);
    },
  );
  return { socket, first, calls };
}

async function listening(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  // Echoes, so that a test can see a handed-over socket still carries data.
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port, accepted };
}

async function unaccepting(t: TestContext): Promise<UnacceptingListener | null> {
  const listener = await startUnacceptingListener();
  if (listener === null) t.skip('this kernel completes handshakes beyond the listen backlog');
  return listener;
}

/** Writes `text` on `socket` and resolves with what the echo server sent back. */
async function echoed(socket: Socket, text: string): Promise<string> {
  let received = '';
  const data = (chunk: Buffer): void => {
    received += chunk.toString();
  };
  socket.on('data', data);
  socket.write(text);
  await until(() => received.length >= text.length, 2_000);
  socket.off('data', data);
  return received;
}

test('a connect that completes hands its socket over, done() once, never slow', async () => {
  const { server, port, accepted } = await listening();
  try {
    // A slow time well above a loopback connect (well under 1 ms): it must not fire.
    const tracker = new RecordingTracker(100);
    const key = keyOf(port);
    const run = connectOnce(port, 5_000, tracker);
    assert.equal(tracker.live(key), 1, 'registered while it runs');
    assert.equal(run.calls.length, 0, 'reported later, never from within the call');
    const outcome = await run.first;
    assert.equal(outcome.error, null);
    assert.ok(outcome.socket !== null);
    assert.equal(outcome.socket, run.socket, 'the socket returned is the one handed over');
    assert.equal(outcome.socket.destroyed, false);
    assert.equal(outcome.socket.remotePort, port);
    const registration = tracker.only();
    assert.equal(registration.endpoint, key);
    assert.equal(registration.doneAt.length, 1, 'done once it connected');
    assert.equal(tracker.live(key), 0);
    await until(() => accepted.length === 1);
    // A cancel that comes after the connect (the endpoint ejected later) does nothing: the
    // socket is its user's now.
    registration.cancel();
    assert.equal(outcome.socket.destroyed, false);
    assert.equal(await echoed(outcome.socket, 'still usable'), 'still usable');
    await delay(250);
    assert.deepEqual(registration.slowAt, [], 'a fast connect is never slow');
    assert.equal(registration.doneAt.length, 1, 'done() exactly once');
    assert.equal(outcome.socket.destroyed, false, 'no timer destroys it later');
    // Nor does closing it, now that it is handed over, call anything back.
    outcome.socket.destroy();
    await new Promise((resolve) => outcome.socket?.once('close', resolve));
    assert.equal(run.calls.length, 1);
    assert.equal(registration.doneAt.length, 1);
  } finally {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
});

test('a refused connect reports its own error, done() once', async () => {
  const { server, port } = await listening();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  const tracker = new RecordingTracker(100);
  const run = connectOnce(port, 5_000, tracker);
  const outcome = await run.first;
  assert.equal(outcome.error?.code, 'ECONNREFUSED');
  assert.equal(outcome.socket, null);
  assert.equal(run.socket.destroyed, true);
  const registration = tracker.only();
  assert.equal(registration.doneAt.length, 1);
  registration.cancel();
  await delay(200);
  assert.deepEqual(registration.slowAt, []);
  assert.equal(registration.doneAt.length, 1, 'done() exactly once');
  assert.equal(run.calls.length, 1, 'neither the close nor the late cancel calls back again');
});

test('a cancelled connect fails at once with PM_CONNECT_CANCELLED, its socket destroyed', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  try {
    const tracker = new RecordingTracker(50);
    const key = keyOf(listener.port);
    // A short connect timeout, so that the timer would fire within the test: the callback must
    // not be called a second time by it.
    const connectTimeoutMs = 300;
    const run = connectOnce(listener.port, connectTimeoutMs, tracker);
    await until(() => tracker.only().slowAt.length > 0, 2_000);
    assert.equal(run.calls.length, 0, 'the connect hangs');
    const registration = tracker.only();
    assert.equal(registration.slowAt.length, 1, 'slow before the cancel');
    const started = performance.now();
    tracker.cancelAll(key);
    const outcome = await run.first;
    assert.ok(performance.now() - started < 100, 'promptly');
    assert.equal(outcome.error?.code, CONNECT_CANCELLED);
    assert.equal(outcome.error.code, 'PM_CONNECT_CANCELLED');
    assert.match(outcome.error.message, /127\.0\.0\.1:\d+ cancelled/);
    assert.equal(outcome.socket, null);
    assert.equal(run.socket.destroyed, true);
    assert.equal(registration.doneAt.length, 1);
    tracker.cancelAll(key);
    await delay(connectTimeoutMs * 2);
    assert.equal(run.calls.length, 1, 'never called twice (not by the close, nor the timer)');
    assert.equal(registration.doneAt.length, 1, 'done() exactly once');
    assert.equal(registration.slowAt.length, 1, 'slow() once');
  } finally {
    await listener.close();
  }
});

test('destroying the returned socket cuts a pending connect short, done() once', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  try {
    const timeoutMs = 300;
    for (const reason of [undefined, new Error('the request left')]) {
      const tracker = new RecordingTracker(100);
      const run = connectOnce(listener.port, timeoutMs, tracker);
      assert.equal(tracker.live(keyOf(listener.port)), 1, 'pending');
      const started = performance.now();
      run.socket.destroy(reason);
      const outcome = await run.first;
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 100, `failed ${elapsed.toFixed(0)} ms after the destroy`);
      assert.ok(outcome.error !== null, 'a destroyed connect is a failed one');
      if (reason === undefined) {
        assert.match(outcome.error.message, /127\.0\.0\.1:\d+ abandoned/);
      } else {
        assert.equal(outcome.error, reason, 'the error it was destroyed with');
      }
      assert.equal(outcome.socket, null);
      const registration = tracker.only();
      assert.equal(registration.doneAt.length, 1);
      assert.equal(tracker.live(keyOf(listener.port)), 0);
      // Past the slow time and the timeout: neither timer is left to fire.
      await delay(timeoutMs + 100);
      assert.equal(run.calls.length, 1, 'called back once');
      assert.equal(registration.doneAt.length, 1, 'done() exactly once');
      assert.deepEqual(registration.slowAt, [], 'never slow: it ended before');
    }
  } finally {
    await listener.close();
  }
});

/** Slack for timers on a busy machine (a full test suite may run alongside). */
const LATE_MS = 150;

// Slow at 200 ms: a timeout counted from the slow report instead of the start would come at
// 500 ms, well outside the slack.
for (const slowConnectMs of [0, 200]) {
  test(`a black-holed connect times out on time (300 ms), slow ${slowConnectMs === 0 ? 'off' : 'at 200 ms'}`, async (t) => {
    const listener = await unaccepting(t);
    if (listener === null) return;
    try {
      const tracker = new RecordingTracker(slowConnectMs);
      const timeoutMs = 300;
      const started = performance.now();
      const run = connectOnce(listener.port, timeoutMs, tracker);
      const outcome = await run.first;
      const elapsed = performance.now() - started;
      t.diagnostic(`timed out after ${elapsed.toFixed(1)} ms`);
      assert.ok(
        elapsed >= timeoutMs - 5 && elapsed < timeoutMs + LATE_MS,
        `timed out after ${elapsed.toFixed(0)} ms`,
      );
      assert.ok(outcome.error instanceof ProxyError, String(outcome.error));
      assert.equal(outcome.error.code, 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT');
      assert.match(outcome.error.message, /127\.0\.0\.1:\d+ timed out after 300 ms/);
      assert.equal(outcome.socket, null);
      assert.equal(run.socket.destroyed, true, 'the pending socket is destroyed');
      const registration = tracker.only();
      assert.equal(registration.doneAt.length, 1);
      if (slowConnectMs === 0) {
        assert.deepEqual(registration.slowAt, [], 'slow connects off');
      } else {
        assert.equal(registration.slowAt.length, 1);
        const slowAt = registration.slowAt[0] ?? 0;
        t.diagnostic(`slow after ${slowAt.toFixed(1)} ms`);
        assert.ok(
          slowAt >= slowConnectMs - 5 && slowAt < slowConnectMs + LATE_MS,
          `slow after ${slowAt.toFixed(0)} ms`,
        );
      }
      registration.cancel();
      await delay(timeoutMs);
      assert.equal(run.calls.length, 1, 'called back once');
      assert.equal(registration.doneAt.length, 1, 'done() exactly once');
      assert.ok(registration.slowAt.length <= 1);
    } finally {
      await listener.close();
    }
  });
}

test('slow() is not called when slowConnectMs is not below the timeout', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  try {
    const tracker = new RecordingTracker(300);
    const started = performance.now();
    const outcome = await connectOnce(listener.port, 300, tracker).first;
    const elapsed = performance.now() - started;
    assert.equal(outcome.error?.code, 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT');
    assert.ok(
      elapsed >= 300 - 5 && elapsed < 300 + LATE_MS,
      `timed out after ${elapsed.toFixed(0)} ms`,
    );
    await delay(100);
    assert.deepEqual(tracker.only().slowAt, []);
    assert.equal(tracker.only().doneAt.length, 1);
  } finally {
    await listener.close();
  }
});

test('with no connect timeout (0), a slow connect is reported and waits for its cancel', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  try {
    const tracker = new RecordingTracker(100);
    const key = keyOf(listener.port);
    const run = connectOnce(listener.port, 0, tracker);
    await until(() => tracker.only().slowAt.length > 0, 2_000);
    await delay(600);
    assert.equal(run.calls.length, 0, 'no timeout: still pending');
    assert.equal(run.socket.destroyed, false);
    assert.equal(tracker.only().slowAt.length, 1, 'slow() once');
    tracker.cancelAll(key);
    const outcome = await run.first;
    assert.equal(outcome.error?.code, CONNECT_CANCELLED);
    assert.equal(run.socket.destroyed, true);
    assert.equal(tracker.only().doneAt.length, 1);
  } finally {
    await listener.close();
  }
});

/** An H1Origin to 127.0.0.1:`port`, with response timeouts far beyond any test. */
function originTo(port: number, connectTimeoutMs: number, connects: ConnectTracker): H1Origin {
  return new H1Origin({
    hostname: '127.0.0.1',
    port,
    authority: keyOf(port),
    connectTimeoutMs,
    responseHeadersTimeoutMs: 10_000,
    responseBodyTimeoutMs: 10_000,
    keepAliveTimeoutMs: 4_000,
    connects,
  });
}

/** Resolves with the error a request failed with; null if it got an answer. */
function failure(sent: Promise<unknown>): Promise<(Error & { code?: string }) | null> {
  return sent.then(
    () => null,
    (caught: unknown) => caught as Error & { code?: string },
  );
}

test("an H1Origin's request to a black hole fails with the connect timeout on time", async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  const tracker = new RecordingTracker(0);
  const timeoutMs = 300;
  const origin = originTo(listener.port, timeoutMs, tracker);
  try {
    const started = performance.now();
    const error = await failure(sendUpstream(origin));
    const elapsed = performance.now() - started;
    t.diagnostic(`request failed after ${elapsed.toFixed(1)} ms`);
    assert.ok(error instanceof ProxyError, String(error));
    assert.equal(error.code, 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT');
    assert.ok(
      elapsed >= timeoutMs - 5 && elapsed < timeoutMs + LATE_MS,
      `failed after ${elapsed.toFixed(0)} ms`,
    );
    const registration = tracker.only();
    assert.equal(registration.endpoint, keyOf(listener.port));
    assert.equal(registration.doneAt.length, 1);
    assert.equal(origin.connections, 0, 'the failed connection is gone');
  } finally {
    await origin.destroy();
    await listener.close();
  }
});

const BACKEND_ID = 'shop/web:80';

function backendWith(port: number): Backend {
  return {
    id: BACKEND_ID,
    namespace: 'shop',
    service: 'web',
    port: 80,
    endpoints: [
      { address: '127.0.0.1', port },
      { address: '127.0.0.2', port },
    ],
    problem: null,
  };
}

/**
 * Counts the connects that EndpointHealth tracks, so the test knows when they are waiting, and
 * the done() calls beyond the first of each (asserted after: a throw here would land in a
 * socket's event handler).
 */
function countingTracker(
  health: EndpointHealth,
): ConnectTracker & { waiting(): number; doneTwice(): number } {
  let waiting = 0;
  let doneTwice = 0;
  return {
    get slowConnectMs() {
      return health.slowConnectMs;
    },
    trackConnect(endpoint, cancel) {
      waiting++;
      const tracked = health.trackConnect(endpoint, cancel);
      let ended = false;
      return {
        slow: () => {
          tracked.slow();
        },
        done: () => {
          if (ended) {
            doneTwice++;
            return;
          }
          ended = true;
          waiting--;
          tracked.done();
        },
      };
    },
    waiting: () => waiting,
    doneTwice: () => doneTwice,
  };
}

test('every H1Origin request waiting on a connect to an ejected endpoint fails at once with PM_CONNECT_CANCELLED', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  const health = new EndpointHealth();
  const tracker = countingTracker(health);
  const origin = originTo(listener.port, 5_000, tracker);
  try {
    const requests = [1, 2, 3].map((n) => failure(sendUpstream(origin, { path: `/${String(n)}` })));
    // No idle connection to share: each request opens a connection, and waits on its connect.
    await until(() => tracker.waiting() === 3, 2_000);
    assert.equal(origin.connections, 3);
    const started = performance.now();
    health.failed(
      backendWith(listener.port),
      { address: '127.0.0.1', port: listener.port },
      'connect_timeout',
    );
    assert.equal(health.outCount, 1);
    const errors = await Promise.all(requests);
    const elapsed = performance.now() - started;
    t.diagnostic(`requests failed ${elapsed.toFixed(1)} ms after the ejection`);
    assert.ok(elapsed < 1_000, `failed in ${elapsed.toFixed(0)} ms, not after the connect timeout`);
    for (const error of errors) {
      assert.equal(error?.code, CONNECT_CANCELLED);
      assert.match(error.message, /127\.0\.0\.1:\d+ cancelled/);
    }
    assert.equal(tracker.waiting(), 0);
    assert.equal(tracker.doneTwice(), 0, 'done() once per connect');
    assert.equal(origin.connections, 0, 'the cancelled connections are gone');
  } finally {
    await origin.destroy();
    await listener.close();
  }
});

test('EndpointHealth keeps new requests off an endpoint while its connect is slow', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  const slowConnectMs = 100;
  const timeoutMs = 400;
  const health = new EndpointHealth({
    settings: { ...DEFAULT_OUTLIER_SETTINGS, slowConnectMs },
  });
  const tracker = countingTracker(health);
  const origin = originTo(listener.port, timeoutMs, tracker);
  const backend = backendWith(listener.port);
  const endpoint = { address: '127.0.0.1', port: listener.port };
  try {
    const started = performance.now();
    const failed = failure(sendUpstream(origin));
    await until(() => tracker.waiting() > 0, 2_000);
    assert.equal(health.isOut(endpoint), false, 'not slow yet');
    await until(() => health.isOut(endpoint), 2_000);
    const slowAfter = performance.now() - started;
    t.diagnostic(`out of rotation after ${slowAfter.toFixed(1)} ms`);
    assert.ok(
      slowAfter >= slowConnectMs - 5 && slowAfter < slowConnectMs + LATE_MS,
      `out of rotation after ${slowAfter.toFixed(0)} ms`,
    );
    assert.deepEqual(
      health.usable(backend).endpoints.map((e) => e.address),
      ['127.0.0.2'],
    );
    assert.equal(health.snapshot()[0]?.state, 'slow-connect');
    const error = await failed;
    const elapsed = performance.now() - started;
    assert.equal(error?.code, 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT');
    assert.ok(
      elapsed >= timeoutMs - 5 && elapsed < timeoutMs + LATE_MS,
      `timed out after ${elapsed.toFixed(0)} ms`,
    );
    assert.equal(tracker.waiting(), 0);
    assert.equal(tracker.doneTwice(), 0, 'done() once');
    assert.equal(health.isOut(endpoint), false, 'back once the connect ended');
    assert.equal(health.usable(backend), backend);
  } finally {
    await origin.destroy();
    await listener.close();
  }
});

test('a connect Node refuses synchronously (bad port) throws, with nothing pending or later', async () => {
  for (const tls of [undefined, { rejectUnauthorized: false }]) {
    for (const timeoutMs of [0, 100]) {
      const tracker = new RecordingTracker(50);
      const calls: unknown[] = [];
      assert.throws(
        () => {
          connectUpstream(
            { hostname: '127.0.0.1', port: 99999, endpoint: '127.0.0.1:99999', tls, timeoutMs },
            tracker,
            (...args) => {
              calls.push(args);
            },
          );
        },
        { code: 'ERR_SOCKET_BAD_PORT' },
      );
      // Registered or not, no connect is left live: a live one would keep counting, and a slow
      // one keep its endpoint out of rotation.
      assert.ok(tracker.registrations.length <= 1);
      assert.equal(tracker.live('127.0.0.1:99999'), 0, 'nothing pending');
      for (const registration of tracker.registrations) {
        assert.equal(registration.doneAt.length, 1, 'ended at once');
      }
      await delay(250);
      for (const registration of tracker.registrations) {
        assert.deepEqual(registration.slowAt, [], 'never slow: it would stay out of rotation');
        assert.equal(registration.doneAt.length, 1, 'done() exactly once');
      }
      assert.deepEqual(calls, [], 'no late callback from a timer or the socket');
    }
  }
});
