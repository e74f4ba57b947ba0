import assert from 'node:assert/strict';
import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sendUpstream as send } from '../../../test/helpers/upstream-exchange.ts';
import { classifyUpstreamError } from './classify-error.ts';
import { H2Origin } from './h2-origin.ts';
import type { UpstreamController } from './protocol.ts';

const OPTIONS = {
  servername: null,
  connectTimeoutMs: 2_000,
  responseHeadersTimeoutMs: 2_000,
  responseBodyTimeoutMs: 2_000,
  keepAliveTimeoutMs: 5_000,
  maxSessions: 4,
};

describe('HTTP/2 sessions to one upstream', () => {
  let server: Http2Server;
  let origin: H2Origin;
  const seen: IncomingHttpHeaders[] = [];
  const held = Promise.withResolvers<ServerHttp2Stream>();

  before(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {
        // Streams the client resets end here.
      });
      seen.push(headers);
      const path = headers[':path'] ?? '/';
      if (path === '/hold') held.resolve(stream);
      if (path === '/silent' || path === '/hold') return;
      if (path === '/goaway') {
        stream.respond({ ':status': 200 });
        stream.end('bye');
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
        return;
      }
      if (path === '/reset') {
        stream.respond({ ':status': 200 });
        stream.write('partial', () => stream.session?.destroy());
        return;
      }
      const body: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => body.push(chunk));
      stream.on('trailers', (trailers: IncomingHttpHeaders) => {
        seen.push(trailers);
      });
      stream.on('end', () => {
        stream.respond({ ':status': 201, 'x-up': 'yes' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => {
          stream.sendTrailers({ 'grpc-status': '0', 'x-sum': String(body.length) });
        });
        stream.end(`got ${Buffer.concat(body).toString()}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    origin = new H2Origin({ ...OPTIONS, origin: `http://127.0.0.1:${String(port)}` });
  });

  after(async () => {
    await origin.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a request gets its answer, body and trailers; Host is :authority, TE trailers kept', async () => {
    const outcome = await send(origin, {
      headers: ['Host', 'up.example.com', 'TE', 'trailers', 'Connection', 'close', 'X-A', '1'],
    });
    assert.equal(outcome.status, 201);
    assert.equal(outcome.headers['x-up'], 'yes');
    assert.equal(outcome.body, 'got ');
    assert.deepEqual({ ...outcome.trailers }, { 'grpc-status': '0', 'x-sum': '0' });
    const headers = seen.at(-1) ?? {};
    assert.equal(headers[':authority'], 'up.example.com');
    assert.equal(headers['te'], 'trailers');
    assert.equal(headers['x-a'], '1');
    assert.equal(headers['connection'], undefined);
  });

  test('a streamed body and its trailers reach the upstream', async () => {
    const body = Object.assign(new PassThrough(), { trailers: { 'x-digest': 'abc' } });
    const pending = send(origin, { method: 'POST', body });
    body.write('hello ');
    body.end('world');
    const outcome = await pending;
    assert.equal(outcome.body, 'got hello world');
    assert.equal(seen.at(-1)?.['x-digest'], 'abc');
  });

  test('concurrent requests share one session', async () => {
    const before = origin.sessions;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => send(origin, {})));
    assert.ok(outcomes.every((outcome) => outcome.status === 201));
    assert.equal(origin.sessions, Math.max(before, 1));
  });

  test('after a GOAWAY the next request goes out on a new session', async () => {
    assert.equal((await send(origin, { path: '/goaway' })).body, 'bye');
    assert.equal((await send(origin, {})).status, 201);
  });

  test('an abort resets the stream (CANCEL)', async () => {
    let controller: UpstreamController | undefined;
    const pending = send(origin, { path: '/hold' }, (c) => (controller = c));
    const stream = await held.promise;
    const closed = new Promise((resolve) => stream.once('close', resolve));
    controller?.abort(new Error('client left'));
    await assert.rejects(pending, /client left/);
    await closed;
    assert.equal(stream.rstCode, constants.NGHTTP2_CANCEL);
  });

  test('a stream reset after the response started is a reset, not a clean end', async () => {
    const error = await send(origin, { path: '/reset' }).then(
      () => assert.fail('a reset stream must fail'),
      (failure: unknown) => failure,
    );
    assert.deepEqual(classifyUpstreamError(error, true), {
      code: 'PM_ERR_UPSTREAM_RESET',
      retry: 'never',
    });
  });

  test('no response head in time: PM_ERR_UPSTREAM_TIMEOUT', async () => {
    const { port } = server.address() as AddressInfo;
    const slow = new H2Origin({
      ...OPTIONS,
      responseHeadersTimeoutMs: 50,
      origin: `http://127.0.0.1:${String(port)}`,
    });
    const error = await send(slow, { path: '/silent' }).catch((failure: unknown) => failure);
    assert.equal(classifyUpstreamError(error, false).code, 'PM_ERR_UPSTREAM_TIMEOUT');
    await slow.destroy();
  });

  test('requests after close() fail at once, as a refused connection', async () => {
    const { port } = server.address() as AddressInfo;
    const closing = new H2Origin({ ...OPTIONS, origin: `http://127.0.0.1:${String(port)}` });
    assert.equal((await send(closing, {})).status, 201);
    await closing.close();
    assert.equal(closing.sessions, 0);
    const error = await send(closing, {}).catch((failure: unknown) => failure);
    assert.deepEqual(classifyUpstreamError(error, false), {
      code: 'PM_ERR_UPSTREAM_CONNECT',
      retry: 'any',
    });
  });
});

test('a refused connection fails the request as a connect error, safe to retry', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const origin = new H2Origin({ ...OPTIONS, origin: `http://127.0.0.1:${String(port)}` });
  const error = await send(origin, {}).catch((failure: unknown) => failure);
  assert.deepEqual(classifyUpstreamError(error, false), {
    code: 'PM_ERR_UPSTREAM_CONNECT',
    retry: 'any',
  });
  await origin.destroy();
});
