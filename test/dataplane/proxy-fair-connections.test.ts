// One client must not keep another from being served (issue 15): a per-client connection limit,
// idle connections closed first at the global limit, and idle limits on every kind of connection.
// Attackers bind to other loopback addresses (Linux routes all of 127/8 to lo).
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { constants, type ClientHttp2Session } from 'node:http2';
import { connect, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { TLS_DEFAULTS, httpsServerOptions } from '../../src/dataplane/index.ts';
import { Metrics } from '../../src/observability/index.ts';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { startGateUpstream, type GateUpstream } from '../helpers/gate-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send, sendRaw } from '../helpers/http-client.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus-text.ts';
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, holderWith, loopback, tlsTables } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../helpers/ws-echo.ts';

/** A client connection the test holds, and whether it has seen 'close'. */
interface Held {
  readonly socket: Socket;
  closed: boolean;
}

/** Opens a connection from `localAddress` that sends nothing; resolves once it is connected. */
async function holdIdle(port: number, localAddress: string): Promise<Held> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  const held: Held = { socket, closed: false };
  socket.on('error', () => undefined);
  socket.once('close', () => {
    held.closed = true;
  });
  // Reading (and dropping) what the proxy sends is how a closed connection is noticed.
  socket.resume();
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  return held;
}

/** Connections the proxy has taken in or turned away so far (evicted ones leave the count). */
function handled(proxy: RunningProxy): number {
  const { connections, shed } = proxy.proxy.stats();
  return connections + shed.evicted + shed.clientLimit + shed.limit;
}

/** Opens idle connections one by one, each handled by the proxy before the next is opened. */
async function fillIdle(proxy: RunningProxy, addresses: readonly string[]): Promise<Held[]> {
  const held: Held[] = [];
  for (const address of addresses) {
    const before = handled(proxy);
    held.push(await holdIdle(proxy.port, address));
    await until(() => handled(proxy) >= before + 1);
  }
  return held;
}

function indexesClosed(held: readonly Held[]): number[] {
  return held.flatMap((entry, index) => (entry.closed ? [index] : []));
}

async function openWebSocket(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/chat`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener(
      'open',
      () => {
        resolve();
      },
      { once: true },
    );
    socket.addEventListener(
      'error',
      () => {
        reject(new Error('websocket failed'));
      },
      { once: true },
    );
  });
  return socket;
}

async function echoOnce(socket: WebSocket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => {
    socket.addEventListener(
      'message',
      (event) => {
        resolve(String(event.data));
      },
      { once: true },
    );
  });
  socket.send(text);
  return reply;
}

const UPGRADE_REQUEST =
  'GET /chat HTTP/1.1\r\nHost: raw.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHED =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

async function upstreamConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.getConnections((error, count) => {
      if (error) reject(error);
      else resolve(count);
    });
  });
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * An h2c connection that sends the preface and an empty SETTINGS frame, then nothing (not even
 * the SETTINGS ACK), and never reads what the proxy sends.
 */
async function openSilentH2c(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.pause();
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(Buffer.concat([PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
  return socket;
}

const addresses = (from: number, count: number, each = 1): string[] =>
  Array.from({ length: count * each }, (_, i) => `127.0.0.${String(from + Math.floor(i / each))}`);

describe('fair connections', () => {
  let echo: EchoUpstream;
  let gate: GateUpstream;
  let ws: WebSocketEcho;
  const spec = (): Parameters<typeof buildTestTable>[0] => ({
    routes: [
      { host: 'echo.test', backend: 'echo' },
      { host: 'gate.test', backend: 'gate' },
    ],
    defaultBackend: 'ws',
    backends: { echo: loopback(echo), gate: loopback(gate), ws: loopback(ws) },
  });

  before(async () => {
    echo = await startEchoUpstream('echo');
    gate = await startGateUpstream();
    ws = await startWebSocketEcho();
  });

  after(async () => {
    await Promise.all([echo.close(), gate.close(), ws.close()]);
  });

  test('one address is cut to its share; another client is served at once', async () => {
    // Default share: a tenth of maxConnections, so 4 of 40.
    const proxy = await startProxy({ tables: holderWith(spec()), maxConnections: 40 });
    const attack: Held[] = [];
    try {
      for (let i = 0; i < 40; i++) attack.push(await holdIdle(proxy.port, '127.0.0.2'));
      await until(() => indexesClosed(attack).length === 36);
      assert.equal(proxy.proxy.stats().connections, 4);
      assert.equal(proxy.proxy.stats().shed.clientLimit, 36);
      const metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
      metrics.trackListener('http', () => proxy.proxy.stats());
      const samples = parsePrometheus(await metrics.text());
      const shed = (reason: string): number | undefined =>
        sampleValue(samples, 'pointsman_connections_shed_total', { listener: 'http', reason });
      assert.deepEqual([shed('client_limit'), shed('evicted'), shed('limit')], [36, 0, 0]);
      metrics.close();
      const started = performance.now();
      const reply = await send(proxy.port, { headers: { host: 'echo.test' } });
      const tookMs = performance.now() - started;
      assert.equal(reply.status, 200);
      assert.ok(tookMs < 5_000, `served in ${tookMs.toFixed(0)} ms, header timeout is 10 s`);
      assert.equal(indexesClosed(attack).length, 36, 'the share itself is left alone');
    } finally {
      for (const held of attack) held.socket.destroy();
      await proxy.close();
    }
  });

  test('at the limit the oldest idle connections make room; busy ones are kept', async () => {
    const proxy = await startProxy({ tables: holderWith(spec()), maxConnections: 40 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let idle: Held[] = [];
    let late: Held[] = [];
    const tunnel = await openWebSocket(proxy.port);
    const waiting = gate.waiting;
    const held = send(proxy.port, { headers: { host: 'gate.test' } });
    try {
      await until(() => gate.waiting === waiting + 1);
      assert.equal(await echoOnce(tunnel, 'before'), 'before');
      // A keep-alive connection, idle before all the others...
      assert.equal((await send(proxy.port, { headers: { host: 'echo.test' }, agent })).status, 200);
      await until(() => proxy.proxy.stats().activeRequests === 1);
      // ...then 37 idle connections from 37 addresses: the limit of 40 is reached.
      idle = await fillIdle(proxy, addresses(2, 37));
      assert.equal(proxy.proxy.stats().connections, 40);
      // ...and a second request makes it the most recently active one.
      assert.equal((await send(proxy.port, { headers: { host: 'echo.test' }, agent })).status, 200);
      await until(() => proxy.proxy.stats().activeRequests === 1);

      late = await fillIdle(proxy, addresses(50, 4));
      const started = performance.now();
      const reply = await send(proxy.port, { headers: { host: 'echo.test' } });
      assert.equal(reply.status, 200, 'a new client is served at the limit');
      assert.ok(
        performance.now() - started < 5_000,
        'served before any idle connection could time out',
      );
      await until(() => indexesClosed(idle).length === 5);
      assert.deepEqual(indexesClosed(idle), [0, 1, 2, 3, 4], 'the oldest idle ones, in order');
      assert.deepEqual(indexesClosed(late), []);
      const kept = Object.values(agent.freeSockets).flat()[0];
      assert.equal(kept?.destroyed, false, 'the keep-alive connection active since is kept');
      assert.equal(proxy.proxy.stats().shed.evicted, 5);

      assert.equal(gate.waiting, waiting + 1, 'the request in flight was not cut');
      assert.equal(await echoOnce(tunnel, 'after'), 'after', 'the tunnel was not cut');
      gate.open('done');
      assert.equal((await held).body, 'done');
    } finally {
      gate.open();
      tunnel.close();
      agent.destroy();
      for (const entry of [...idle, ...late]) entry.socket.destroy();
      await proxy.close();
    }
  });

  test('when every connection is busy, the new one is closed without an answer', async () => {
    const proxy = await startProxy({
      tables: holderWith(spec()),
      maxConnections: 3,
      maxConnectionsPerClient: 10,
    });
    const tunnel = await openWebSocket(proxy.port);
    const arrived = gate.waiting;
    const held = [1, 2].map(() => send(proxy.port, { headers: { host: 'gate.test' } }));
    try {
      await until(() => gate.waiting === arrived + 2);
      assert.equal(await sendRaw(proxy.port, 'GET / HTTP/1.1\r\nHost: echo.test\r\n\r\n'), '');
      assert.equal(proxy.proxy.stats().shed.limit, 1);
      assert.equal(proxy.proxy.stats().shed.evicted, 0);
      assert.equal(await echoOnce(tunnel, 'still here'), 'still here');
      gate.open('done');
      for (const reply of await Promise.all(held)) assert.equal(reply.body, 'done');
    } finally {
      gate.open();
      tunnel.close();
      await proxy.close();
    }
  });

  test('trusted proxies are exempt from the per-client limit', async () => {
    const proxy = await startProxy({
      tables: holderWith(spec()),
      maxConnections: 40,
      trustedProxies: ['127.0.0.3'],
    });
    let trusted: Held[] = [];
    const others: Held[] = [];
    try {
      trusted = await fillIdle(proxy, addresses(3, 1, 10));
      for (let i = 0; i < 6; i++) others.push(await holdIdle(proxy.port, '127.0.0.2'));
      await until(() => indexesClosed(others).length === 2);
      assert.deepEqual(indexesClosed(trusted), []);
      assert.equal(proxy.proxy.stats().connections, 14);
    } finally {
      for (const entry of [...trusted, ...others]) entry.socket.destroy();
      await proxy.close();
    }
  });

  describe('tunnels', () => {
    let proxy: RunningProxy;
    let raw: RawUpstream;

    before(async () => {
      // A plain TCP upstream closes its side when the proxy closes its own (the WebSocket echo,
      // an HTTP server, would keep a half-open socket).
      raw = await startRawUpstream((_head, socket) => {
        socket.write(SWITCHED);
      });
      const table = spec();
      proxy = await startProxy({
        tables: holderWith({
          ...table,
          routes: [...(table.routes ?? []), { host: 'raw.test', backend: 'raw' }],
          backends: { ...table.backends, raw: loopback(raw) },
        }),
        tunnelIdleTimeoutMs: 300,
      });
    });

    after(async () => {
      await proxy.close();
      await raw.close();
    });

    test('an idle tunnel is closed after the tunnel idle timeout, both sides', async () => {
      const client = await holdIdle(proxy.port, '127.0.0.1');
      const switched = new Promise<void>((resolve) =>
        client.socket.once('data', () => {
          resolve();
        }),
      );
      client.socket.write(UPGRADE_REQUEST);
      await switched;
      const opened = performance.now();
      assert.equal(await upstreamConnections(raw.server), 1);
      await until(() => client.closed);
      const idleMs = performance.now() - opened;
      assert.ok(idleMs >= 250, `closed after ${idleMs.toFixed(0)} ms idle`);
      await until(() => proxy.proxy.stats().tunnels === 0);
      // Bounded polling: the upstream's count can only be asked for, not watched.
      for (let i = 0; i < 200 && (await upstreamConnections(raw.server)) > 0; i++) await delay(10);
      assert.equal(await upstreamConnections(raw.server), 0, 'the upstream side is closed too');
    });

    test('a tunnel with bytes every 100 ms stays open past it', async () => {
      const tunnel = await openWebSocket(proxy.port);
      const opened = performance.now();
      try {
        // Deliberately spaced: traffic must keep flowing for several idle timeouts.
        for (let i = 0; i < 10; i++) {
          assert.equal(await echoOnce(tunnel, `ping ${String(i)}`), `ping ${String(i)}`);
          await delay(100);
        }
        assert.ok(performance.now() - opened > 900);
        assert.equal(tunnel.readyState, WebSocket.OPEN);
        await until(() => tunnel.readyState === WebSocket.CLOSED, 3_000);
      } finally {
        tunnel.close();
      }
    });
  });
  describe('HTTP/2 sessions', () => {
    for (const mode of ['h2c', 'h2 over TLS'] as const) {
      test(`an idle ${mode} session can be evicted, one with a stream open cannot`, async () => {
        const { tables, store } = tlsTables();
        tables.swap(buildTestTable(spec()));
        const tls =
          mode === 'h2c'
            ? {}
            : { proto: 'https' as const, tls: httpsServerOptions(store, TLS_DEFAULTS) };
        const proxy = await startProxy({
          tables,
          http2: true,
          maxConnections: 3,
          maxConnectionsPerClient: 3,
          ...tls,
        });
        const options = mode === 'h2c' ? {} : { servername: 'echo.test' };
        const sessions: ClientHttp2Session[] = [];
        let others: Held[] = [];
        try {
          const idle = await h2Connect(proxy.port, options);
          const busy = await h2Connect(proxy.port, options);
          sessions.push(idle, busy);
          let idleClosed = false;
          idle.once('close', () => {
            idleClosed = true;
          });
          assert.equal((await h2Request(idle, { authority: 'echo.test' })).status, 200);
          const waiting = gate.waiting;
          const pending = h2Request(busy, { authority: 'gate.test' });
          await until(() => gate.waiting === waiting + 1);
          await until(() => proxy.proxy.stats().activeRequests === 1);
          // A fresh connection that has said nothing yet (h2c: not told apart; TLS: handshaking)
          // fills the last slot; each next one closes the oldest idle connection: first the
          // idle session, then that fresh connection, never the busy session.
          others = await fillIdle(proxy, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
          await until(() => idleClosed && indexesClosed(others).length === 1);
          assert.deepEqual(indexesClosed(others), [0]);
          assert.equal(busy.closed, false);
          gate.open('done');
          const reply = await pending;
          assert.equal(reply.body.toString(), 'done');
          assert.equal(proxy.proxy.stats().shed.evicted, 2);
        } finally {
          gate.open();
          for (const entry of others) entry.socket.destroy();
          await Promise.all(sessions.map((session) => h2Close(session)));
          await proxy.close();
        }
      });
    }

    test(
      'a graceful close is not held up by a client that reads nothing',
      { timeout: 5_000 },
      async () => {
        const proxy = await startProxy({ tables: holderWith(spec()), http2: true });
        const client = await openSilentH2c(proxy.port);
        try {
          await until(() => proxy.proxy.stats().http2Sessions === 1);
          await proxy.close(200);
          await until(() => proxy.proxy.stats().connections === 0);
        } finally {
          client.destroy();
        }
      },
    );

    describe('idle timeout', () => {
      let proxy: RunningProxy;

      before(async () => {
        proxy = await startProxy({
          tables: holderWith(spec()),
          http2: true,
          keepAliveTimeoutMs: 300,
        });
      });

      after(async () => {
        await proxy.close();
      });

      test('a session that never opens a stream is closed, though its client reads nothing', async () => {
        const client = await openSilentH2c(proxy.port);
        try {
          await until(() => proxy.proxy.stats().http2Sessions === 1);
          await until(() => proxy.proxy.stats().connections === 0);
        } finally {
          client.destroy();
        }
      });

      test('a session whose stream outlasted the idle timeout is closed once idle', async () => {
        const session = await h2Connect(proxy.port);
        let closed = false;
        session.once('close', () => {
          closed = true;
        });
        try {
          const waiting = gate.waiting;
          const stream = session.request({ ':path': '/', ':authority': 'gate.test' });
          stream.on('error', () => undefined);
          await until(() => gate.waiting === waiting + 1);
          // Deliberately longer than the idle timeout, with the stream open all along.
          await delay(600);
          assert.equal(closed, false, 'a session with an open stream is not idle');
          // Cancelled by the client, the stream ends without the proxy writing anything, which
          // would have restarted Node's idle timer by itself.
          stream.close(constants.NGHTTP2_CANCEL);
          await until(() => closed, 3_000);
        } finally {
          gate.open();
          await h2Close(session);
        }
      });
    });
  });
});
