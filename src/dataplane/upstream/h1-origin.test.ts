import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import { TLSSocket } from 'node:tls';
import { startRawUpstream, type RawUpstream } from '../../../test/helpers/raw-upstream.ts';
import { createTestCa } from '../../../test/helpers/tls-certificates.ts';
import { until } from '../../../test/helpers/until.ts';
import { sendUpstream } from '../../../test/helpers/upstream-exchange.ts';
import { ProxyError } from '../errors.ts';
import { H1Origin, type H1OriginOptions } from './h1-origin.ts';
import type {
  UpstreamController,
  UpstreamDispatcher,
  UpstreamHandler,
  UpstreamRequest,
} from './protocol.ts';
import type { TrailerFields } from './trailers.ts';

const OPTIONS = {
  connectTimeoutMs: 2_000,
  responseHeadersTimeoutMs: 5_000,
  responseBodyTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
};

// Timeouts fire on the event loop's millisecond clock: a little early against performance.now().
const EARLY_MS = 5;
// A loaded machine (a full suite on 2 cores) may run a timer this late.
const LATE_MS = 1_500;

function originTo(port: number, overrides: Partial<H1OriginOptions> = {}): H1Origin {
  return new H1Origin({
    hostname: '127.0.0.1',
    port,
    authority: `127.0.0.1:${String(port)}`,
    ...OPTIONS,
    ...overrides,
  });
}

/** An HTTP(S) upstream that remembers its connections (TLS sockets for HTTPS). */
interface Upstream {
  readonly port: number;
  readonly server: Server;
  /** Accepted connections in order. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: { key: string; cert: string },
): Promise<Upstream> {
  const sockets: Socket[] = [];
  const server: Server =
    tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler);
  server.on(tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    sockets,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The index of the connection a request came on. */
function connectionOf(upstream: Upstream, req: IncomingMessage): number {
  return upstream.sockets.indexOf(req.socket);
}

/** Resolves once `socket` has closed (an 'error' before the close is no failure). */
async function socketClosed(socket: Socket): Promise<void> {
  if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString());
    });
    req.on('error', reject);
  });
}

/** Everything a handler heard, with the times it heard it (performance.now()). */
interface Trace {
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  readonly chunks: string[];
  trailers: TrailerFields | undefined;
  readonly errors: Error[];
  readonly dataAt: number[];
  headAt: number | undefined;
  endAt: number | undefined;
  errorAt: number | undefined;
}

interface Hooks {
  onStart?(controller: UpstreamController): void;
  onHead?(controller: UpstreamController): void;
  onData?(controller: UpstreamController, chunk: Buffer): void;
}

/** Dispatches `request`; `settled` resolves at the end or the first error (never rejects). */
function traced(
  dispatch: UpstreamDispatcher['dispatch'],
  request: Partial<UpstreamRequest> = {},
  hooks: Hooks = {},
): { trace: Trace; settled: Promise<Trace>; dispatched: boolean } {
  const trace: Trace = {
    status: undefined,
    headers: {},
    chunks: [],
    trailers: undefined,
    errors: [],
    dataAt: [],
    headAt: undefined,
    endAt: undefined,
    errorAt: undefined,
  };
  const { promise, resolve } = Promise.withResolvers<Trace>();
  const handler: UpstreamHandler = {
    onRequestStart: (controller) => hooks.onStart?.(controller),
    onResponseStart: (controller, status, headers) => {
      trace.status = status;
      trace.headers = headers;
      trace.headAt = performance.now();
      hooks.onHead?.(controller);
    },
    onResponseData: (controller, chunk) => {
      trace.chunks.push(chunk.toString());
      trace.dataAt.push(performance.now());
      hooks.onData?.(controller, chunk);
    },
    onResponseEnd: (_controller, trailers) => {
      trace.trailers = trailers;
      trace.endAt = performance.now();
      resolve(trace);
    },
    onResponseError: (_controller, error) => {
      trace.errors.push(error);
      trace.errorAt ??= performance.now();
      resolve(trace);
    },
  };
  const dispatched = dispatch(
    { path: '/', method: 'GET', headers: ['host', 'up.example.com'], body: null, ...request },
    handler,
  );
  return { trace, settled: promise, dispatched };
}

function ignore(): void {
  // An upload the client cut short: the upstream has nothing to answer.
}

function codeOf(error: unknown): unknown {
  return error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
}

async function failureOf(pending: Promise<unknown>): Promise<unknown> {
  return pending.then(
    () => assert.fail('the request was expected to fail'),
    (error: unknown) => error,
  );
}

function assertProxyError(error: unknown, code: string): void {
  assert.ok(error instanceof ProxyError, `a ProxyError, not ${String(error)}`);
  assert.equal(error.code, code);
}

function cleanup(t: TestContext, origin: H1Origin, upstream: { close(): Promise<void> }): void {
  t.after(async () => {
    await origin.destroy();
    await upstream.close();
  });
}

/** A raw upstream answering `ok` to every request, its sockets kept, and an origin to it. */
async function okOverRawSockets(
  t: TestContext,
): Promise<{ raw: RawUpstream; origin: H1Origin; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const raw = await startRawUpstream((_head, socket) => {
    sockets.push(socket);
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const origin = originTo(raw.port);
  cleanup(t, origin, raw);
  return { raw, origin, sockets };
}

describe('keep-alive', () => {
  test('two requests in turn share one connection; Host is added only when missing', async (t) => {
    const hosts: (string | undefined)[] = [];
    const upstream = await startUpstream((req, res) => {
      hosts.push(req.headers.host);
      res.end(`hello ${req.url ?? ''}`);
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    assert.equal((await sendUpstream(origin, { path: '/one' })).body, 'hello /one');
    assert.equal(origin.connections, 1);
    const second = await sendUpstream(origin, { path: '/two', headers: [] });
    assert.equal(second.status, 200);
    assert.equal(second.body, 'hello /two');
    assert.equal(upstream.sockets.length, 1);
    assert.equal(origin.connections, 1);
    assert.deepEqual(hosts, ['up.example.com', `127.0.0.1:${String(upstream.port)}`]);
  });

  test('Connection: close from the upstream: the next request gets a new connection', async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    assert.equal((await sendUpstream(origin)).headers['connection'], 'close');
    await until(() => origin.connections === 0);
    assert.equal((await sendUpstream(origin)).body, 'bye');
    assert.equal(upstream.sockets.length, 2);
  });

  test('Keep-Alive: timeout=1, less than the 2 s margin: no reuse', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    upstream.server.keepAliveTimeout = 1_000;
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    assert.equal((await sendUpstream(origin)).headers['keep-alive'], 'timeout=1');
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(upstream.sockets.length, 2);
    await until(() => origin.connections === 0);
  });

  test('Keep-Alive: timeout=3 lowers the idle time to 1 s (the hint less the margin)', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=3\r\nContent-Length: 2\r\n\r\nok');
    });
    const origin = originTo(raw.port, { keepAliveTimeoutMs: 10_000 });
    cleanup(t, origin, raw);
    await sendUpstream(origin);
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(raw.connections, 1, 'reused within the hint');
    const idleSince = performance.now();
    await until(() => origin.connections === 0, 10_000);
    const idle = performance.now() - idleSince;
    assert.ok(
      idle >= 1_000 - EARLY_MS && idle <= 1_000 + LATE_MS,
      `closed after ${String(idle)} ms`,
    );
  });

  test('an idle connection closes after keepAliveTimeoutMs', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const origin = originTo(upstream.port, { keepAliveTimeoutMs: 200 });
    cleanup(t, origin, upstream);
    await sendUpstream(origin);
    const idleSince = performance.now();
    assert.equal(origin.connections, 1);
    const socket = upstream.sockets[0];
    assert.ok(socket !== undefined);
    await socketClosed(socket);
    const idle = performance.now() - idleSince;
    assert.ok(idle >= 200 - EARLY_MS && idle <= 200 + LATE_MS, `closed after ${String(idle)} ms`);
    await until(() => origin.connections === 0);
    await sendUpstream(origin);
    assert.equal(upstream.sockets.length, 2);
  });

  test('the most recently idle connection is taken first', async (t) => {
    const release = new Map<string, () => void>();
    const seen: { path: string; connection: number }[] = [];
    const upstream = await startUpstream((req, res) => {
      seen.push({ path: req.url ?? '', connection: connectionOf(upstream, req) });
      release.set(req.url ?? '', () => res.end('ok'));
      if (req.url === '/third') res.end('ok');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const first = sendUpstream(origin, { path: '/first' });
    const second = sendUpstream(origin, { path: '/second' });
    await until(() => release.size === 2);
    assert.equal(origin.connections, 2, 'no pipelining: a connection per running request');
    release.get('/second')?.();
    await second;
    release.get('/first')?.();
    await first;
    await sendUpstream(origin, { path: '/third' });
    const connection = (path: string): number | undefined =>
      seen.find((entry) => entry.path === path)?.connection;
    assert.equal(upstream.sockets.length, 2);
    assert.equal(connection('/third'), connection('/first'));
  });

  test('a HEAD response has no body, and the connection carries the next request', async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.setHeader('Content-Length', '5');
      res.end('hello');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const head = await sendUpstream(origin, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '5');
    assert.equal(head.body, '');
    assert.equal((await sendUpstream(origin)).body, 'hello');
    assert.equal(upstream.sockets.length, 1);
  });
});

describe('response bodies', () => {
  test('a chunked response with trailers reaches onResponseEnd', async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { Trailer: 'x-checksum' });
      res.write('ab');
      res.addTrailers({ 'X-Checksum': 'abc', 'X-Count': '2' });
      res.end('cd');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const outcome = await sendUpstream(origin);
    assert.equal(outcome.headers['transfer-encoding'], 'chunked');
    assert.equal(outcome.body, 'abcd');
    assert.deepEqual({ ...outcome.trailers }, { 'x-checksum': 'abc', 'x-count': '2' });
    await sendUpstream(origin);
    assert.equal(upstream.sockets.length, 1, 'a chunked response keeps the connection');
  });

  test('a body delimited by the close is complete at the close; the connection is not reused', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close');
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    const outcome = await sendUpstream(origin);
    assert.equal(outcome.body, 'until the close');
    assert.equal((await sendUpstream(origin)).body, 'until the close');
    assert.equal(raw.connections, 2);
  });

  test('a response the parser refuses fails with PM_ERR_UPSTREAM_PROTOCOL and closes the connection', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      );
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    assertProxyError(await failureOf(sendUpstream(origin)), 'PM_ERR_UPSTREAM_PROTOCOL');
    await until(() => origin.connections === 0);
  });
});

describe('request bodies', () => {
  function echoUpstream(): Promise<Upstream> {
    return startUpstream((req, res) => {
      void readBody(req).then((body) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            te: req.headers['transfer-encoding'] ?? null,
            cl: req.headers['content-length'] ?? null,
            body,
          }),
        );
      }, ignore);
    });
  }

  test('a streamed body without Content-Length arrives chunked and whole', async (t) => {
    const upstream = await echoUpstream();
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const body = new PassThrough();
    const pending = sendUpstream(origin, { method: 'POST', body });
    body.write('hello ');
    await new Promise(setImmediate);
    body.write('big ');
    body.end('world');
    const outcome = await pending;
    assert.deepEqual(JSON.parse(outcome.body), {
      te: 'chunked',
      cl: null,
      body: 'hello big world',
    });
    await sendUpstream(origin);
    assert.equal(upstream.sockets.length, 1, 'the connection is reused after a chunked upload');
  });

  test('a body with Content-Length arrives with that length and whole', async (t) => {
    const upstream = await echoUpstream();
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const body = new PassThrough();
    const large = 'x'.repeat(256 * 1024);
    const pending = sendUpstream(origin, {
      method: 'PUT',
      headers: ['host', 'up.example.com', 'content-length', String(large.length + 5)],
      body,
    });
    body.write('start');
    body.end(large);
    const outcome = await pending;
    assert.deepEqual(JSON.parse(outcome.body), {
      te: null,
      cl: String(large.length + 5),
      body: `start${large}`,
    });
  });

  test('a body longer or shorter than its Content-Length fails with PM_ERR_BAD_REQUEST', async (t) => {
    const upstream = await echoUpstream();
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    for (const sent of ['abcdef', 'ab']) {
      const body = new PassThrough();
      const pending = sendUpstream(origin, {
        method: 'POST',
        headers: ['host', 'up.example.com', 'content-length', '4'],
        body,
      });
      body.end(sent);
      assertProxyError(await failureOf(pending), 'PM_ERR_BAD_REQUEST');
    }
    await until(() => origin.connections === 0);
  });

  test('a body destroyed mid-way fails the request with PM_ERR_CLIENT_CLOSED', async (t) => {
    const arrived = Promise.withResolvers<IncomingMessage>();
    const upstream = await startUpstream((req) => {
      req.on('error', () => {
        // The upload is cut short: the upstream's parser fails at the close.
      });
      req.once('data', () => {
        arrived.resolve(req);
      });
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const body = new PassThrough();
    const pending = sendUpstream(origin, { method: 'POST', body });
    body.write('part of it');
    const req = await arrived.promise;
    body.destroy();
    assertProxyError(await failureOf(pending), 'PM_ERR_CLIENT_CLOSED');
    await socketClosed(req.socket);
    assert.equal(req.complete, false, 'the upstream never saw the body end');
    await until(() => origin.connections === 0);
  });

  test('a response before the body is sent completes; the next request gets a new connection', async (t) => {
    const raw = await startRawUpstream((_head, socket, info) => {
      socket.write(
        info.request === 1 && info.connection === 1
          ? 'HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n\r\ntoo much'
          : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      );
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    const body = new PassThrough();
    const pending = sendUpstream(origin, {
      method: 'POST',
      headers: ['host', 'up.example.com', 'content-length', '1000000'],
      body,
    });
    body.write('x'.repeat(1_000));
    const outcome = await pending;
    assert.equal(outcome.status, 413);
    assert.equal(outcome.body, 'too much');
    // The rest of the body is read and dropped, not destroyed.
    assert.equal(body.destroyed, false);
    const ended = once(body, 'end');
    body.end('y'.repeat(10_000));
    await ended;
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(raw.connections, 2);
    assert.equal(origin.connections, 1);
  });

  test('a body held back by a full socket when the response ends is read on and dropped', async (t) => {
    const head = Promise.withResolvers<Socket>();
    const server = createTcpServer((socket) => {
      socket.on('error', ignore);
      let received = '';
      const onData = (chunk: Buffer): void => {
        received += chunk.toString('latin1');
        if (!received.includes('\r\n\r\n')) return;
        // The upstream reads no more: the proxy's socket fills up and the body is paused.
        socket.off('data', onData);
        socket.pause();
        head.resolve(socket);
      };
      socket.on('data', onData);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const origin = originTo(port);
    cleanup(t, origin, {
      close: async () => {
        (await head.promise).destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    });
    const body = new PassThrough();
    const pending = sendUpstream(origin, {
      method: 'PUT',
      headers: ['host', 'up.example.com', 'content-length', String(1 << 30)],
      body,
    });
    const upstream = await head.promise;
    const piece = Buffer.alloc(64 * 1024, 'x');
    for (let written = 0; !body.isPaused(); written += piece.length) {
      assert.ok(written < 256 * 1024 * 1024, 'the body is paused once the socket is full');
      body.write(piece);
      await new Promise(setImmediate);
    }
    upstream.write('HTTP/1.1 507 Insufficient Storage\r\nContent-Length: 4\r\n\r\nfull');
    const outcome = await pending;
    assert.equal(outcome.status, 507);
    assert.equal(outcome.body, 'full');
    assert.equal(body.isPaused(), false, 'the rest of the body flows again, to be dropped');
    assert.equal(body.destroyed, false);
    const ended = once(body, 'end');
    body.end(piece);
    await ended;
  });
});

describe('timeouts', () => {
  test('no response head in time: PM_ERR_UPSTREAM_TIMEOUT after responseHeadersTimeoutMs', async (t) => {
    const upstream = await startUpstream(() => {
      // Never answers.
    });
    const origin = originTo(upstream.port, { responseHeadersTimeoutMs: 300 });
    cleanup(t, origin, upstream);
    const start = performance.now();
    assertProxyError(await failureOf(sendUpstream(origin)), 'PM_ERR_UPSTREAM_TIMEOUT');
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 300 - EARLY_MS && elapsed <= 300 + LATE_MS, `after ${String(elapsed)} ms`);
    await until(() => origin.connections === 0);
  });

  test("a request's own headersTimeout takes the pool's place", async (t) => {
    const upstream = await startUpstream(() => {
      // Never answers.
    });
    const origin = originTo(upstream.port, { responseHeadersTimeoutMs: 30_000 });
    cleanup(t, origin, upstream);
    const start = performance.now();
    const error = await failureOf(sendUpstream(origin, { headersTimeout: 250 }));
    const elapsed = performance.now() - start;
    assertProxyError(error, 'PM_ERR_UPSTREAM_TIMEOUT');
    assert.ok(elapsed >= 250 - EARLY_MS && elapsed <= 250 + LATE_MS, `after ${String(elapsed)} ms`);
  });

  test('a body that stalls after the head: PM_ERR_UPSTREAM_TIMEOUT after responseBodyTimeoutMs', async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('abc');
    });
    const origin = originTo(upstream.port, { responseBodyTimeoutMs: 300 });
    cleanup(t, origin, upstream);
    const { trace, settled } = traced(origin.dispatch.bind(origin));
    await settled;
    assert.equal(trace.status, 200);
    assert.deepEqual(trace.chunks, ['abc']);
    assert.equal(trace.errors.length, 1);
    assertProxyError(trace.errors[0], 'PM_ERR_UPSTREAM_TIMEOUT');
    const stalled = (trace.errorAt ?? 0) - (trace.dataAt[0] ?? 0);
    assert.ok(stalled >= 300 - EARLY_MS && stalled <= 300 + LATE_MS, `after ${String(stalled)} ms`);
  });

  test("a request's own bodyTimeout takes the pool's place", async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('abc');
    });
    const origin = originTo(upstream.port, { responseBodyTimeoutMs: 30_000 });
    cleanup(t, origin, upstream);
    const { trace, settled } = traced(origin.dispatch.bind(origin), { bodyTimeout: 250 });
    await settled;
    assertProxyError(trace.errors[0], 'PM_ERR_UPSTREAM_TIMEOUT');
    const stalled = (trace.errorAt ?? 0) - (trace.dataAt[0] ?? 0);
    assert.ok(stalled >= 250 - EARLY_MS && stalled <= 250 + LATE_MS, `after ${String(stalled)} ms`);
  });

  test('a paused response is not timed out; resume() reads on to the end', async (t) => {
    const sent = Promise.withResolvers<undefined>();
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Length': '11' });
      res.write('first');
      // The rest comes well after the body timeout, while the handler holds the body back.
      setTimeout(() => {
        res.end('second', () => {
          sent.resolve(undefined);
        });
      }, 900);
    });
    const origin = originTo(upstream.port, { responseBodyTimeoutMs: 200 });
    cleanup(t, origin, upstream);
    let controller: UpstreamController | undefined;
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onData: (c) => {
          controller = c;
          if (trace.chunks.length === 1) c.pause();
        },
      },
    );
    // A timeout while paused settles the request first (and the server's write never completes).
    await Promise.race([sent.promise, settled]);
    assert.ok(controller !== undefined);
    assert.equal(controller.paused, true);
    assert.deepEqual(trace.errors, [], 'not timed out while paused');
    assert.deepEqual(trace.chunks, ['first'], 'nothing read while paused');
    controller.resume();
    assert.equal(controller.paused, false);
    await settled;
    assert.deepEqual(trace.errors, []);
    assert.equal(trace.chunks.join(''), 'firstsecond');
    assert.ok(trace.endAt !== undefined);
  });

  test('after resume() the body timeout runs again', async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('abc');
    });
    const origin = originTo(upstream.port, { responseBodyTimeoutMs: 200 });
    cleanup(t, origin, upstream);
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onData: (controller) => {
          controller.pause();
          setImmediate(() => {
            controller.resume();
          });
        },
      },
    );
    await settled;
    assertProxyError(trace.errors[0], 'PM_ERR_UPSTREAM_TIMEOUT');
  });
});

describe('the controller', () => {
  test('pause() before the request is sent holds the response back until resume() (with a body)', async (t) => {
    const upstream = await startUpstream((req, res) => {
      void readBody(req).then(() => res.end('answer'), ignore);
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const answered = Promise.withResolvers<undefined>();
    upstream.server.once('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.once('finish', () => {
        answered.resolve(undefined);
      });
    });
    let controller: UpstreamController | undefined;
    const body = new PassThrough();
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      { method: 'POST', body },
      {
        onStart: (c) => {
          controller = c;
          c.pause();
        },
      },
    );
    body.end('up');
    await answered.promise;
    // The answer is on its way; a paused handler hears nothing of it.
    await until(() => (upstream.sockets[0]?.bytesWritten ?? 0) > 0);
    assert.equal(trace.status, undefined);
    controller?.resume();
    await settled;
    assert.equal(trace.chunks.join(''), 'answer');
  });

  test('pause() before the request is sent holds the response back until resume() (no body)', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('answer'));
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    let controller: UpstreamController | undefined;
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onStart: (c) => {
          controller = c;
          c.pause();
        },
      },
    );
    await until(() => (upstream.sockets[0]?.bytesWritten ?? 0) > 0);
    await new Promise(setImmediate);
    try {
      assert.equal(trace.status, undefined, 'no head while paused');
      assert.deepEqual(trace.chunks, [], 'no body while paused');
    } finally {
      controller?.resume();
      await settled;
    }
  });

  test('abort(reason) reports that reason once, and the connection is not reused', async (t) => {
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/hold') {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('partial');
        return;
      }
      res.end('next');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const reason = new Error('the client went away');
    let controller: UpstreamController | undefined;
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      { path: '/hold' },
      {
        onData: (c) => {
          controller = c;
          c.abort(reason);
          c.abort(new Error('a second abort'));
        },
      },
    );
    await settled;
    await new Promise(setImmediate);
    assert.deepEqual(trace.errors, [reason]);
    assert.equal(controller?.aborted, true);
    assert.equal(controller.reason, reason);
    assert.equal(trace.endAt, undefined);
    const first = upstream.sockets[0];
    assert.ok(first !== undefined);
    await socketClosed(first);
    assert.equal((await sendUpstream(origin)).body, 'next');
    assert.equal(upstream.sockets.length, 2);
  });

  test('abort() in onRequestStart: nothing is sent, the reason is told once', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const reason = new Error('gone before it began');
    const { trace, settled, dispatched } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onStart: (c) => {
          c.abort(reason);
        },
      },
    );
    await settled;
    assert.equal(dispatched, false);
    assert.deepEqual(trace.errors, [reason]);
    assert.equal(origin.connections, 0);
    assert.equal(upstream.sockets.length, 0);
  });

  test('abort() while the connect runs: told once; the connection then serves the next request', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const reason = new Error('left while connecting');
    const started = Promise.withResolvers<UpstreamController>();
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onStart: (controller) => {
          started.resolve(controller);
        },
      },
    );
    (await started.promise).abort(reason);
    await settled;
    assert.deepEqual(trace.errors, [reason]);
    assert.equal(trace.status, undefined);
    await until(() => upstream.sockets.length === 1);
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(upstream.sockets.length, 1);
    assert.equal(origin.connections, 1);
  });

  test('a request that fails destroys its body stream', async (t) => {
    const arrived = Promise.withResolvers<undefined>();
    const upstream = await startUpstream((req) => {
      req.on('error', ignore);
      req.once('data', () => {
        arrived.resolve(undefined);
      });
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const body = new PassThrough();
    const started = Promise.withResolvers<UpstreamController>();
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      { method: 'POST', body },
      {
        onStart: (controller) => {
          started.resolve(controller);
        },
      },
    );
    body.write('some');
    await arrived.promise;
    const reason = new Error('stop');
    (await started.promise).abort(reason);
    await settled;
    assert.deepEqual(trace.errors, [reason]);
    assert.equal(body.destroyed, true, 'a partial upload is never taken for a whole one');
  });

  test('pause() in onResponseData holds back the rest of the same read as well', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n',
      );
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    const whilePaused: string[] = [];
    const paused = Promise.withResolvers<UpstreamController>();
    let controller: UpstreamController | undefined;
    const { trace, settled } = traced(
      origin.dispatch.bind(origin),
      {},
      {
        onData: (c, chunk) => {
          if (controller?.paused === true) whilePaused.push(chunk.toString());
          if (controller === undefined) {
            controller = c;
            c.pause();
            paused.resolve(c);
          }
        },
      },
    );
    const held = await paused.promise;
    await new Promise(setImmediate);
    const endedWhilePaused = trace.endAt !== undefined;
    held.resume();
    await settled;
    assert.equal(trace.chunks.join(''), 'abc');
    assert.deepEqual(whilePaused, [], 'no body while paused');
    assert.equal(endedWhilePaused, false, 'no end while paused');
  });

  test('a port Node refuses fails the request, with no connection left', async () => {
    const origin = originTo(70_000);
    const error = await failureOf(sendUpstream(origin));
    assert.ok(error instanceof RangeError, String(error));
    assert.equal(origin.connections, 0);
    await origin.close();
  });
});

describe('the upstream misbehaving', () => {
  for (const how of ['end', 'destroy'] as const) {
    test(`the upstream closing mid-response (${how}) fails with PM_UPSTREAM_CLOSED`, async (t) => {
      const raw = await startRawUpstream((_head, socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', () => {
          if (how === 'end') socket.end();
          else socket.destroy();
        });
      });
      const origin = originTo(raw.port);
      cleanup(t, origin, raw);
      const { trace, settled } = traced(origin.dispatch.bind(origin));
      await settled;
      assert.equal(trace.status, 200);
      assert.equal(trace.chunks.join(''), 'abc');
      assert.equal(trace.errors.length, 1);
      assert.equal(codeOf(trace.errors[0]), 'PM_UPSTREAM_CLOSED');
      await until(() => origin.connections === 0);
    });
  }

  test('the upstream closing before any response fails with PM_UPSTREAM_CLOSED', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.end();
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    assert.equal(codeOf(await failureOf(sendUpstream(origin))), 'PM_UPSTREAM_CLOSED');
  });

  test('the upstream closing a chunked response before its last chunk fails', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    assert.equal(codeOf(await failureOf(sendUpstream(origin))), 'PM_UPSTREAM_CLOSED');
  });

  test('bytes after a complete response: that connection is not reused', async (t) => {
    const raw = await startRawUpstream((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n');
    });
    const origin = originTo(raw.port);
    cleanup(t, origin, raw);
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(raw.connections, 2);
  });

  test('bytes on an idle connection close it', async (t) => {
    const { raw, origin, sockets } = await okOverRawSockets(t);
    await sendUpstream(origin);
    assert.equal(origin.connections, 1);
    sockets[0]?.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    await until(() => origin.connections === 0);
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(raw.connections, 2);
  });

  test('an upstream closing an idle connection: the next request opens another', async (t) => {
    const { raw, origin, sockets } = await okOverRawSockets(t);
    await sendUpstream(origin);
    sockets[0]?.end();
    await until(() => origin.connections === 0);
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(raw.connections, 2);
  });

  test('a request head that cannot be sent fails with PM_ERR_BAD_REQUEST; the connection stays', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    await sendUpstream(origin);
    const error = await failureOf(
      sendUpstream(origin, { headers: ['host', 'h', 'x-bad', 'a\r\nx-injected: 1'] }),
    );
    assertProxyError(error, 'PM_ERR_BAD_REQUEST');
    assert.equal((await sendUpstream(origin)).body, 'ok');
    assert.equal(upstream.sockets.length, 1);
  });
});

describe('fresh connections and closing', () => {
  test('dispatchFresh uses a new connection and closes it after', async (t) => {
    const upstream = await startUpstream((req, res) =>
      res.end(String(connectionOf(upstream, req))),
    );
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    assert.equal((await sendUpstream(origin)).body, '0');
    const fresh = await sendUpstream({ dispatch: origin.dispatchFresh.bind(origin) });
    assert.equal(fresh.body, '1');
    const freshSocket = upstream.sockets[1];
    assert.ok(freshSocket !== undefined);
    await socketClosed(freshSocket);
    await until(() => origin.connections === 1);
    assert.equal((await sendUpstream(origin)).body, '0', 'the pooled connection is still used');
  });

  test('close() lets a running request finish, closes idle connections at once, then leaves none', async (t) => {
    const held = Promise.withResolvers<ServerResponse>();
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/hold') held.resolve(res);
      else res.end('quick');
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const running = sendUpstream(origin, { path: '/hold' });
    const res = await held.promise;
    assert.equal((await sendUpstream(origin, { path: '/quick' })).body, 'quick');
    assert.equal(origin.connections, 2);
    let closed = false;
    const closing = origin.close().then(() => {
      closed = true;
    });
    const idle = upstream.sockets[1];
    assert.ok(idle !== undefined);
    await socketClosed(idle);
    assert.equal(closed, false, 'close() waits for the running request');
    res.end('finished');
    const outcome = await running;
    assert.equal(outcome.body, 'finished');
    await closing;
    assert.equal(origin.connections, 0);
  });

  test('destroy() fails a running request and leaves no connection', async (t) => {
    const held = Promise.withResolvers<undefined>();
    const upstream = await startUpstream(() => {
      held.resolve(undefined);
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const running = failureOf(sendUpstream(origin));
    await held.promise;
    await origin.destroy();
    assert.equal(codeOf(await running), 'PM_UPSTREAM_CLOSED');
    assert.equal(origin.connections, 0);
  });

  test('a request after close() fails with PM_UPSTREAM_ORIGIN_CLOSED, nothing sent', async (t) => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    await sendUpstream(origin);
    await origin.close();
    assert.equal(origin.connections, 0);
    const { trace, settled, dispatched } = traced(origin.dispatch.bind(origin));
    await settled;
    assert.equal(dispatched, false);
    assert.equal(trace.errors.length, 1);
    assert.equal(codeOf(trace.errors[0]), 'PM_UPSTREAM_ORIGIN_CLOSED');
    const fresh = traced(origin.dispatchFresh.bind(origin));
    await fresh.settled;
    assert.equal(codeOf(fresh.trace.errors[0]), 'PM_UPSTREAM_ORIGIN_CLOSED');
    assert.equal(upstream.sockets.length, 1);
  });

  test('close() then destroy(): both promises settle', async (t) => {
    const held = Promise.withResolvers<undefined>();
    const upstream = await startUpstream(() => {
      held.resolve(undefined);
    });
    const origin = originTo(upstream.port);
    cleanup(t, origin, upstream);
    const running = failureOf(sendUpstream(origin));
    await held.promise;
    let closed = false;
    void origin.close().then(() => {
      closed = true;
    });
    await origin.destroy();
    await running;
    await new Promise(setImmediate);
    assert.equal(closed, true, 'the close() promise settled once every connection was gone');
  });
});

describe('HTTPS upstreams', () => {
  test('SNI names the server, and a second connection resumes the TLS session', async (t) => {
    const ca = await createTestCa();
    t.after(() => ca.close());
    const certificate = await ca.issue({ dns: ['up.example.test'] });
    const seen: {
      servername: string | false | null;
      reused: boolean;
      alpn: string | false | null;
    }[] = [];
    const upstream = await startUpstream(
      (req, res) => {
        const socket = req.socket;
        assert.ok(socket instanceof TLSSocket);
        seen.push({
          servername: socket.servername,
          reused: socket.isSessionReused(),
          alpn: socket.alpnProtocol,
        });
        // A new connection for every request, so that the second one can resume.
        res.setHeader('Connection', 'close');
        res.end('secure');
      },
      { key: certificate.keyPem, cert: certificate.certPem },
    );
    const origin = originTo(upstream.port, {
      tls: { rejectUnauthorized: false, servername: 'up.example.test' },
    });
    cleanup(t, origin, upstream);
    assert.equal((await sendUpstream(origin)).body, 'secure');
    await until(() => origin.connections === 0);
    assert.equal((await sendUpstream(origin)).body, 'secure');
    assert.equal(upstream.sockets.length, 2);
    assert.deepEqual(
      seen.map((entry) => entry.servername),
      ['up.example.test', 'up.example.test'],
    );
    assert.deepEqual(
      seen.map((entry) => entry.reused),
      [false, true],
    );
  });
});
