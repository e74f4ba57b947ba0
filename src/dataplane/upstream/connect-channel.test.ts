import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  originEndpoint,
  timeConnect,
  UPSTREAM_CONNECT_CHANNEL,
  type UpstreamConnectMessage,
} from './connect-channel.ts';
import { H2Origin } from './h2-origin.ts';
import { closedPort } from '../../../test/helpers/closed-port.ts';

const OPTIONS = {
  servername: null,
  connectTimeoutMs: 2_000,
  responseHeadersTimeoutMs: 2_000,
  responseBodyTimeoutMs: 2_000,
  keepAliveTimeoutMs: 5_000,
  maxSessions: 4,
};

/** Sends GET / on the origin; resolves with the status, or with the error's message. */
function get(origin: H2Origin): Promise<number | string> {
  return new Promise((resolve) => {
    origin.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'up.example.com'], body: null },
      {
        onResponseStart: (_controller, status) => {
          resolve(status);
        },
        onResponseError: (_controller, error) => {
          resolve(error.message);
        },
      },
    );
  });
}

describe('upstream connect reports', () => {
  let server: Http2Server;
  let port: number;
  const messages: UpstreamConnectMessage[] = [];
  const listener = (message: unknown): void => {
    messages.push(message as UpstreamConnectMessage);
  };

  before(async () => {
    server = createServer();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 204 });
      stream.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    subscribe(UPSTREAM_CONNECT_CHANNEL, listener);
  });

  after(async () => {
    unsubscribe(UPSTREAM_CONNECT_CHANNEL, listener);
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  test('an HTTP/2 upstream session reports one connect, not one per stream', async () => {
    messages.length = 0;
    const origin = new H2Origin({ ...OPTIONS, origin: `http://127.0.0.1:${String(port)}` });
    try {
      assert.deepEqual(await Promise.all([get(origin), get(origin), get(origin)]), [204, 204, 204]);
      assert.equal(await get(origin), 204);
    } finally {
      await origin.close();
    }
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.hostname, '127.0.0.1');
    assert.equal(message.port, port);
    assert.equal(message.ok, true);
    assert.ok(message.seconds >= 0 && message.seconds < 2);
  });

  test('a refused HTTP/2 connection reports a failed connect', async () => {
    messages.length = 0;
    const refused = await closedPort();
    const origin = new H2Origin({ ...OPTIONS, origin: `http://127.0.0.1:${String(refused)}` });
    try {
      assert.equal(typeof (await get(origin)), 'string', 'the request failed');
    } finally {
      await origin.destroy();
    }
    assert.deepEqual(
      messages.map(({ hostname, port: at, ok }) => ({ hostname, port: at, ok })),
      [{ hostname: '127.0.0.1', port: refused, ok: false }],
    );
  });

  test('only the first report of an attempt counts', () => {
    messages.length = 0;
    const report = timeConnect('10.0.0.1', 8080);
    report(true);
    report(false);
    assert.deepEqual(
      messages.map((m) => m.ok),
      [true],
    );
  });
});

test('origins name their endpoint, IPv6 without brackets, default ports filled in', () => {
  assert.deepEqual(originEndpoint('http://10.0.0.1:8080'), { hostname: '10.0.0.1', port: 8080 });
  assert.deepEqual(originEndpoint('https://[fd00::1]:8443'), { hostname: 'fd00::1', port: 8443 });
  assert.deepEqual(originEndpoint('http://10.0.0.1:80'), { hostname: '10.0.0.1', port: 80 });
  assert.deepEqual(originEndpoint('https://10.0.0.1:443'), { hostname: '10.0.0.1', port: 443 });
});
