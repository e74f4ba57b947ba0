// What the proxy adds, keeps and removes in request and response headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  parseEcho,
  startEchoUpstream,
  type EchoReply,
  type EchoUpstream,
} from '../helpers/echo-upstream.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { rawResponse, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request headers sent upstream', () => {
  let echo: EchoUpstream;
  let untrusted: RunningProxy;
  let trusted: RunningProxy;

  before(async () => {
    echo = await startEchoUpstream('echo');
    const tables = holderWith({ defaultBackend: 'b', backends: { b: loopback(echo) } });
    untrusted = await startProxy({ tables });
    trusted = await startProxy({ tables, trustedProxies: ['10.0.0.0/8', '127.0.0.0/8'] });
  });

  after(async () => {
    await untrusted.close();
    await trusted.close();
    await echo.close();
  });

  async function echoThrough(proxy: RunningProxy, headers: readonly string[]): Promise<EchoReply> {
    const request = `GET /h HTTP/1.1\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`;
    const response = parseRawResponse(await sendRaw(proxy.port, request));
    assert.equal(response.status, 200);
    return parseEcho(response.body);
  }

  test('hop-by-hop headers and those Connection names are removed', async () => {
    const reply = await echoThrough(untrusted, [
      'Host: hop.test',
      'Connection: close, X-Hop-One',
      'Connection: x-hop-two',
      'X-Hop-One: 1',
      'X-Hop-Two: 2',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Trailer: X-Checksum',
      'Upgrade: something',
      'Proxy-Authorization: Basic Zm9vOmJhcg==',
      'Proxy-Connection: keep-alive',
      'Proxy-Anything: x',
      'X-Kept: yes',
      'Accept: */*',
    ]);
    for (const name of [
      'x-hop-one',
      'x-hop-two',
      'keep-alive',
      'te',
      'trailer',
      'upgrade',
      'proxy-authorization',
      'proxy-connection',
      'proxy-anything',
      'transfer-encoding',
    ]) {
      assert.equal(reply.headers[name], undefined, `${name} must not reach the upstream`);
    }
    assert.doesNotMatch(reply.headers.connection ?? '', /x-hop/i);
    assert.equal(reply.headers['x-kept'], 'yes');
    assert.equal(reply.headers.accept, '*/*');
    assert.equal(reply.headers.host, 'hop.test');
  });

  test('client header order and case survive', async () => {
    const reply = await echoThrough(untrusted, [
      'Host: order.test',
      'X-First: 1',
      'X-MiXeD-Case: 2',
      'X-Last: 3',
      'Connection: close',
    ]);
    const names = reply.rawHeaders.filter((_, index) => index % 2 === 0);
    const mine = names.filter((name) => ['X-First', 'X-MiXeD-Case', 'X-Last'].includes(name));
    assert.deepEqual(mine, ['X-First', 'X-MiXeD-Case', 'X-Last']);
  });

  test('untrusted clients: forwarded headers are set by the proxy', async () => {
    const reply = await echoThrough(untrusted, [
      'Host: fwd.test:8443',
      'X-Forwarded-For: 1.2.3.4',
      'X-Forwarded-For: 5.6.7.8',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: evil.test',
      'X-Forwarded-Port: 1',
      'X-Real-IP: 9.9.9.9',
      'Connection: close',
    ]);
    assert.equal(reply.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(reply.headers['x-forwarded-proto'], 'http');
    assert.equal(reply.headers['x-forwarded-host'], 'fwd.test:8443');
    assert.equal(reply.headers['x-forwarded-port'], String(untrusted.port));
    assert.equal(reply.headers['x-real-ip'], '127.0.0.1');
  });

  test('no forwarded headers from the client: the proxy sets all of them', async () => {
    const reply = await echoThrough(trusted, ['Host: plain.test', 'Connection: close']);
    assert.equal(reply.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(reply.headers['x-forwarded-proto'], 'http');
    assert.equal(reply.headers['x-forwarded-host'], 'plain.test');
    assert.equal(reply.headers['x-forwarded-port'], String(trusted.port));
    assert.equal(reply.headers['x-real-ip'], '127.0.0.1');
  });

  test('trusted proxies: their forwarded headers are kept, the chain extended', async () => {
    const reply = await echoThrough(trusted, [
      'Host: fwd.test',
      'X-Forwarded-For: 1.2.3.4',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: public.test',
      'X-Forwarded-Port: 443',
      'X-Real-IP: 1.2.3.4',
      'Connection: close',
    ]);
    assert.equal(reply.headers['x-forwarded-for'], '1.2.3.4, 127.0.0.1');
    assert.equal(reply.headers['x-forwarded-proto'], 'https');
    assert.equal(reply.headers['x-forwarded-host'], 'public.test');
    assert.equal(reply.headers['x-forwarded-port'], '443');
    assert.equal(reply.headers['x-real-ip'], '1.2.3.4');
  });

  test('X-Request-ID: a sane one is kept, anything else replaced by a UUID', async () => {
    const kept = await echoThrough(untrusted, [
      'Host: id.test',
      'X-Request-ID: abc-123.def:9_Z',
      'Connection: close',
    ]);
    assert.equal(kept.headers['x-request-id'], 'abc-123.def:9_Z');
    const replaced = await echoThrough(untrusted, [
      'Host: id.test',
      'X-Request-ID: <script>alert(1)</script>',
      'Connection: close',
    ]);
    assert.match(String(replaced.headers['x-request-id']), UUID);
    const generated = await echoThrough(untrusted, ['Host: id.test', 'Connection: close']);
    assert.match(String(generated.headers['x-request-id']), UUID);
  });

  test('a streamed (chunked) request body arrives whole, Content-Length is kept', async () => {
    const chunked = await sendRaw(
      untrusted.port,
      'POST /up HTTP/1.1\r\nHost: b.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
        '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(parseEcho(parseRawResponse(chunked).body).bodyBytes, 11);
    const reply = await send(untrusted.port, {
      method: 'PUT',
      headers: { host: 'b.test', 'content-length': '4' },
      body: 'abcd',
    });
    const echoed = parseEcho(reply.body);
    assert.equal(echoed.headers['content-length'], '4');
    assert.equal(echoed.bodyBytes, 4);
  });
});

describe('response headers sent to the client', () => {
  let upstream: RawUpstream;
  let proxy: RunningProxy;
  const responses: Readonly<Record<string, string>> = {
    '/plain': rawResponse('200 OK', [], 'ok'),
    '/server': rawResponse(
      '200 OK',
      ['Server: upstream/1.0', 'Date: Mon, 01 Jan 2024 00:00:00 GMT'],
      'ok',
    ),
    '/hop': rawResponse(
      '200 OK',
      [
        'Connection: keep-alive, X-Resp-Hop',
        'X-Resp-Hop: 1',
        'Keep-Alive: timeout=100',
        'Proxy-Connection: keep-alive',
        'Trailer: X-Sum',
        'X-Kept: 1',
      ],
      'ok',
    ),
    '/cookies': rawResponse(
      '200 OK',
      ['Set-Cookie: a=1; Path=/', 'Set-Cookie: b=2; HttpOnly', 'Set-Cookie: c=3, d=4'],
      'ok',
    ),
    '/chunked':
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    '/status': rawResponse('418 I am a teapot', ['X-Kept: 1'], 'short and stout'),
  };

  before(async () => {
    upstream = await startRawUpstream((head, socket) => {
      const path = head.split(' ')[1] ?? '';
      socket.write(responses[path] ?? rawResponse('404 Not Found', [], ''));
    });
    proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(upstream) } }),
    });
  });

  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  test('Server is added when missing, Date is added when missing', async () => {
    const reply = await send(proxy.port, { path: '/plain' });
    assert.equal(reply.headers.server, 'pointsman');
    assert.ok(reply.headers.date !== undefined && !Number.isNaN(Date.parse(reply.headers.date)));
    assert.equal(reply.headers['content-length'], '2');
    assert.equal(reply.body, 'ok');
  });

  test("the upstream's Server and Date are kept", async () => {
    const reply = await send(proxy.port, { path: '/server' });
    assert.equal(reply.headers.server, 'upstream/1.0');
    assert.equal(reply.headers.date, 'Mon, 01 Jan 2024 00:00:00 GMT');
  });

  test('hop-by-hop response headers are removed', async () => {
    const reply = await send(proxy.port, { path: '/hop' });
    for (const name of ['x-resp-hop', 'keep-alive', 'proxy-connection', 'trailer']) {
      assert.equal(reply.headers[name], undefined, `${name} must not reach the client`);
    }
    assert.equal(reply.headers['x-kept'], '1');
  });

  test('several Set-Cookie headers stay separate', async () => {
    const reply = await send(proxy.port, { path: '/cookies' });
    const cookies = reply.rawHeaders.filter(
      (_, i, all) => all[i - 1]?.toLowerCase() === 'set-cookie',
    );
    assert.deepEqual(cookies, ['a=1; Path=/', 'b=2; HttpOnly', 'c=3, d=4']);
  });

  test('a chunked upstream body is re-framed for the client', async () => {
    const reply = await send(proxy.port, { path: '/chunked' });
    assert.equal(reply.body, 'abcde');
    assert.equal(reply.headers['transfer-encoding'], 'chunked');
  });

  test('any status goes through with its body', async () => {
    const reply = await send(proxy.port, { path: '/status' });
    assert.equal(reply.status, 418);
    assert.equal(reply.body, 'short and stout');
    assert.equal(reply.headers['x-pointsman-error'], undefined);
  });
});

describe('error answers', () => {
  let proxy: RunningProxy;

  before(async () => {
    proxy = await startProxy({ tables: holderWith({ backends: {} }) });
  });

  after(async () => {
    await proxy.close();
  });

  test('JSON for API clients', async () => {
    const reply = await send(proxy.port, {
      headers: { host: 'x.test', accept: 'application/json', 'x-request-id': 'req-1' },
    });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(reply.body), {
      error: {
        code: 'PM_ERR_NO_ROUTE',
        status: 404,
        message: 'No route matches the request host and path, and there is no default backend.',
        requestId: 'req-1',
      },
    });
    assert.equal(reply.headers['x-request-id'], 'req-1');
  });

  test('a small HTML page for browsers', async () => {
    const reply = await send(proxy.port, {
      path: '/<script>alert(1)</script>',
      headers: { host: 'x.test', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    assert.equal(reply.status, 404);
    assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
    assert.match(reply.body, /<h1>404 Not Found<\/h1>/);
    assert.match(reply.body, /PM_ERR_NO_ROUTE/);
    assert.doesNotMatch(reply.body, /<script>/);
  });

  test('plain text otherwise', async () => {
    const reply = await send(proxy.port, { headers: { host: 'x.test' } });
    assert.match(reply.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(reply.body, /^404 Not Found: /);
    assert.match(reply.body, /code: PM_ERR_NO_ROUTE/);
  });

  test('HEAD gets the error status and headers, no body', async () => {
    const reply = await send(proxy.port, { method: 'HEAD', headers: { host: 'x.test' } });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_NO_ROUTE');
    assert.equal(reply.body, '');
  });
});
