import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Pool, errors, type buildConnector } from 'undici';
import {
  startUnacceptingListener,
  type UnacceptingListener,
} from '../../../test/helpers/unaccepting-listener.ts';
import { until } from '../../../test/helpers/until.ts';
import type { Backend } from '../../ir/index.ts';
import { DEFAULT_OUTLIER_SETTINGS, EndpointHealth } from '../health/index.ts';
import {
  CONNECT_CANCELLED,
  cancellableConnector,
  type ConnectTracker,
  type TrackedConnect,
} from './cancellable-connector.ts';

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

/**
 * Runs one connect through the connector; resolves at its first callback and records every
 * callback. The sockets `net` opened for it are caught on the `net.client.socket` channel.
 */
function connectOnce(
  connector: buildConnector.connector,
  port: number,
): { first: Promise<Outcome>; calls: Outcome[]; opened: Socket[] } {
  const calls: Outcome[] = [];
  const opened: Socket[] = [];
  const onSocket = (message: unknown): void => {
    opened.push((message as { socket: Socket }).socket);
  };
  let resolve: (outcome: Outcome) => void = () => undefined;
  const first = new Promise<Outcome>((done) => {
    resolve = done;
  });
  diagnostics.subscribe('net.client.socket', onSocket);
  try {
    connector(
      {
        hostname: '127.0.0.1',
        host: `127.0.0.1:${String(port)}`,
        protocol: 'http:',
        port: String(port),
      },
      (error, socket) => {
        const outcome = { error, socket };
        calls.push(outcome);
        resolve(outcome);
      },
    );
  } finally {
    diagnostics.unsubscribe('net.client.socket', onSocket);
  }
  return { first, calls, opened };
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
    const key = `127.0.0.1:${String(port)}`;
    const connector = cancellableConnector(key, { timeout: 5_000 }, tracker);
    const run = connectOnce(connector, port);
    assert.equal(tracker.live(key), 1, 'registered while it runs');
    const outcome = await run.first;
    assert.equal(outcome.error, null);
    assert.ok(outcome.socket !== null);
    assert.equal(outcome.socket, run.opened[0]);
    assert.equal(outcome.socket.destroyed, false);
    assert.equal(outcome.socket.remotePort, port);
    const registration = tracker.only();
    assert.equal(registration.doneAt.length, 1, 'done once it connected');
    assert.equal(tracker.live(key), 0);
    await until(() => accepted.length === 1);
    // A cancel that comes after the connect (the endpoint ejected later) does nothing: the
    // socket is undici's now.
    registration.cancel();
    assert.equal(outcome.socket.destroyed, false);
    assert.equal(await echoed(outcome.socket, 'still usable'), 'still usable');
    await delay(250);
    assert.deepEqual(registration.slowAt, [], 'a fast connect is never slow');
    assert.equal(registration.doneAt.length, 1, 'done() exactly once');
    assert.equal(outcome.socket.destroyed, false);
    assert.equal(run.calls.length, 1);
    outcome.socket.destroy();
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
  const connector = cancellableConnector(`127.0.0.1:${String(port)}`, { timeout: 5_000 }, tracker);
  const run = connectOnce(connector, port);
  const outcome = await run.first;
  assert.equal(outcome.error?.code, 'ECONNREFUSED');
  const registration = tracker.only();
  assert.equal(registration.doneAt.length, 1);
  registration.cancel();
  await delay(200);
  assert.deepEqual(registration.slowAt, []);
  assert.equal(registration.doneAt.length, 1, 'done() exactly once');
  assert.equal(run.calls.length, 1, 'the late cancel calls nothing back');
});

test('a cancelled connect fails at once with PM_CONNECT_CANCELLED, its socket destroyed', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  try {
    const tracker = new RecordingTracker(50);
    const key = `127.0.0.1:${String(listener.port)}`;
    // A short connect timeout, so that the timer would fire within the test: the callback must
    // not be called a second time by it.
    const connectTimeoutMs = 300;
    const connector = cancellableConnector(key, { timeout: connectTimeoutMs }, tracker);
    const run = connectOnce(connector, listener.port);
    assert.equal(run.opened.length, 1);
    await delay(100);
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
    assert.equal(run.opened[0]?.destroyed, true);
    assert.equal(registration.doneAt.length, 1);
    tracker.cancelAll(key);
    await delay(connectTimeoutMs * 2);
    assert.equal(run.calls.length, 1, 'never called twice');
    assert.equal(registration.doneAt.length, 1, 'done() exactly once');
    assert.equal(registration.slowAt.length, 1, 'slow() once');
  } finally {
    await listener.close();
  }
});

/** Slack for timers on a busy machine; undici's own 500 ms tick would be far outside it. */
const LATE_MS = 120;

for (const slowConnectMs of [0, 100]) {
  test(`a black-holed connect times out on time (300 ms), slow ${slowConnectMs === 0 ? 'off' : 'at 100 ms'}`, async (t) => {
    const listener = await unaccepting(t);
    if (listener === null) return;
    try {
      const tracker = new RecordingTracker(slowConnectMs);
      const key = `127.0.0.1:${String(listener.port)}`;
      const timeoutMs = 300;
      const connector = cancellableConnector(key, { timeout: timeoutMs }, tracker);
      const started = performance.now();
      const run = connectOnce(connector, listener.port);
      const outcome = await run.first;
      const elapsed = performance.now() - started;
      t.diagnostic(`timed out after ${elapsed.toFixed(1)} ms`);
      assert.ok(
        elapsed >= timeoutMs - 5 && elapsed < timeoutMs + LATE_MS,
        `timed out after ${elapsed.toFixed(0)} ms`,
      );
      assert.ok(outcome.error instanceof errors.ConnectTimeoutError, String(outcome.error));
      assert.equal(outcome.error.code, 'UND_ERR_CONNECT_TIMEOUT');
      assert.match(outcome.error.message, /127\.0\.0\.1:\d+ timed out after 300 ms/);
      assert.equal(outcome.socket, null);
      assert.equal(run.opened[0]?.destroyed, true, 'the pending socket is destroyed');
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
    const connector = cancellableConnector(
      `127.0.0.1:${String(listener.port)}`,
      { timeout: 300 },
      tracker,
    );
    const started = performance.now();
    const outcome = await connectOnce(connector, listener.port).first;
    const elapsed = performance.now() - started;
    assert.equal(outcome.error?.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.ok(elapsed < 300 + LATE_MS, `timed out after ${elapsed.toFixed(0)} ms`);
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
    const key = `127.0.0.1:${String(listener.port)}`;
    const connector = cancellableConnector(key, { timeout: 0 }, tracker);
    const run = connectOnce(connector, listener.port);
    await until(() => tracker.only().slowAt.length > 0, 2_000);
    await delay(600);
    assert.equal(run.calls.length, 0, 'no timeout: still pending');
    assert.equal(tracker.only().slowAt.length, 1, 'slow() once');
    tracker.cancelAll(key);
    const outcome = await run.first;
    assert.equal(outcome.error?.code, CONNECT_CANCELLED);
    assert.equal(tracker.only().doneAt.length, 1);
  } finally {
    await listener.close();
  }
});

test("an undici Client's request to a black hole fails with the connect timeout on time", async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  const tracker = new RecordingTracker(0);
  const connect = cancellableConnector(
    `127.0.0.1:${String(listener.port)}`,
    { timeout: 300 },
    tracker,
  );
  const client = new Client(`http://127.0.0.1:${String(listener.port)}`, { connect });
  try {
    const started = performance.now();
    const error = await client.request({ path: '/', method: 'GET' }).then(
      () => null,
      (caught: unknown) => caught as Error & { code?: string },
    );
    const elapsed = performance.now() - started;
    t.diagnostic(`request failed after ${elapsed.toFixed(1)} ms`);
    assert.equal(error?.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.ok(elapsed < 300 + LATE_MS, `failed after ${elapsed.toFixed(0)} ms, not 500+`);
    assert.equal(tracker.only().doneAt.length, 1);
  } finally {
    await client.destroy();
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

/** Counts the connects that EndpointHealth tracks, so the test knows when one is waiting. */
function countingTracker(health: EndpointHealth): ConnectTracker & { waiting(): number } {
  let waiting = 0;
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
          assert.equal(ended, false, 'done() once');
          ended = true;
          waiting--;
          tracked.done();
        },
      };
    },
    waiting: () => waiting,
  };
}

for (const kind of ['Client', 'Pool'] as const) {
  test(`an undici ${kind}'s queued requests fail with PM_CONNECT_CANCELLED on ejection`, async (t) => {
    const listener = await unaccepting(t);
    if (listener === null) return;
    const origin = `http://127.0.0.1:${String(listener.port)}`;
    const health = new EndpointHealth();
    const tracker = countingTracker(health);
    const connect = cancellableConnector(
      `127.0.0.1:${String(listener.port)}`,
      { timeout: 5_000 },
      tracker,
    );
    const dispatcher =
      kind === 'Client' ? new Client(origin, { connect }) : new Pool(origin, { connect });
    try {
      const requests = [1, 2].map((n) =>
        dispatcher.request({ path: `/${String(n)}`, method: 'GET' }).then(
          () => null,
          (error: unknown) => error as Error & { code?: string },
        ),
      );
      await until(() => tracker.waiting() > 0, 2_000);
      const started = performance.now();
      health.failed(
        backendWith(listener.port),
        { address: '127.0.0.1', port: listener.port },
        'connect_timeout',
      );
      assert.equal(health.outCount, 1);
      const errors = await Promise.all(requests);
      const elapsed = performance.now() - started;
      assert.ok(
        elapsed < 1_000,
        `failed in ${elapsed.toFixed(0)} ms, not after the connect timeout`,
      );
      t.diagnostic(`requests failed ${elapsed.toFixed(1)} ms after the ejection`);
      for (const error of errors) assert.equal(error?.code, CONNECT_CANCELLED);
      assert.equal(tracker.waiting(), 0);
    } finally {
      await dispatcher.destroy();
      await listener.close();
    }
  });
}

test('EndpointHealth keeps new requests off an endpoint while its connect is slow', async (t) => {
  const listener = await unaccepting(t);
  if (listener === null) return;
  const slowConnectMs = 100;
  const health = new EndpointHealth({
    settings: { ...DEFAULT_OUTLIER_SETTINGS, slowConnectMs },
  });
  const tracker = countingTracker(health);
  const connect = cancellableConnector(
    `127.0.0.1:${String(listener.port)}`,
    { timeout: 400 },
    tracker,
  );
  const client = new Client(`http://127.0.0.1:${String(listener.port)}`, { connect });
  const backend = backendWith(listener.port);
  const endpoint = { address: '127.0.0.1', port: listener.port };
  try {
    const started = performance.now();
    const failed = client.request({ path: '/', method: 'GET' }).then(
      () => null,
      (caught: unknown) => caught as Error & { code?: string },
    );
    await until(() => tracker.waiting() > 0, 2_000);
    assert.equal(health.isOut(endpoint), false, 'not slow yet');
    await until(() => health.isOut(endpoint), 2_000);
    const slowAfter = performance.now() - started;
    t.diagnostic(`out of rotation after ${slowAfter.toFixed(1)} ms`);
    assert.ok(slowAfter >= slowConnectMs - 5 && slowAfter < slowConnectMs + LATE_MS);
    assert.deepEqual(
      health.usable(backend).endpoints.map((e) => e.address),
      ['127.0.0.2'],
    );
    assert.equal(health.snapshot()[0]?.state, 'slow-connect');
    const error = await failed;
    assert.equal(error?.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.equal(tracker.waiting(), 0);
    assert.equal(health.isOut(endpoint), false, 'back once the connect ended');
    assert.equal(health.usable(backend), backend);
  } finally {
    await client.destroy();
    await listener.close();
  }
});

test('a connect that undici refuses synchronously (bad port) throws, done() once, nothing later', async () => {
  for (const timeout of [0, 100]) {
    const tracker = new RecordingTracker(50);
    const connector = cancellableConnector('127.0.0.1:99999', { timeout }, tracker);
    const calls: unknown[] = [];
    assert.throws(
      () => {
        connector(
          { hostname: '127.0.0.1', host: '127.0.0.1:99999', protocol: 'http:', port: '99999' },
          (...args) => {
            calls.push(args);
          },
        );
      },
      { code: 'ERR_SOCKET_BAD_PORT' },
    );
    const registration = tracker.only();
    assert.equal(registration.doneAt.length, 1, 'ended at once');
    await delay(250);
    assert.deepEqual(registration.slowAt, [], 'never slow: it would stay out of rotation');
    assert.equal(registration.doneAt.length, 1);
    assert.deepEqual(calls, [], 'no late callback from the timer');
  }
});
