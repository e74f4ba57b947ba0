// Upstream answers that try to split responses or desync the proxy's pooled connection (issue
// 15, part 5: what held up in the security review). The first answer on the upstream's first
// connection misbehaves and carries a whole second response, INJECTED, after the bytes it
// declares; every later answer is `genuine`. A proxy that read the framing differently, or
// put that connection back in its pool, would hand INJECTED to the next client request.
//
// Elsewhere: garbage instead of HTTP, an upstream dying or stalling mid-body in
// proxy-upstream-errors.test.ts; the client side in proxy-held-up.test.ts.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, test } from 'node:test';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { startProxy } from '../helpers/proxy-harness.ts';
import { startRawUpstream } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';

const INJECTED = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Injected: yes\r\n\r\nINJECTED';
const GENUINE = 'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngenuine';
const ok = (head: string): string => `HTTP/1.1 200 OK\r\n${head}\r\n`;

/** What the first answer may become: refused as not HTTP, or cut to its declared length. */
type FirstAnswer = 'refused' | 'hello' | 'empty' | 'any';

const answers: readonly (readonly [string, string, FirstAnswer, string?])[] = [
  [
    'Content-Length with Transfer-Encoding',
    `${ok('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')}5\r\nhello\r\n0\r\n\r\n${INJECTED}`,
    'refused',
  ],
  [
    'Transfer-Encoding with a too short Content-Length',
    `${ok('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n')}5\r\nhello\r\n0\r\n\r\n${INJECTED}`,
    'refused',
  ],
  [
    'two different Content-Lengths',
    `${ok('Content-Length: 5\r\nContent-Length: 80\r\n')}hello${INJECTED}`,
    'refused',
  ],
  [
    'the same Content-Length twice',
    `${ok('Content-Length: 5\r\nContent-Length: 5\r\n')}hello${INJECTED}`,
    'any',
  ],
  ['a Content-Length list', `${ok('Content-Length: 5, 80\r\n')}hello${INJECTED}`, 'refused'],
  [
    'Transfer-Encoding with a space before the colon',
    `${ok('Transfer-Encoding : chunked\r\nContent-Length: 5\r\n')}hello${INJECTED}`,
    'refused',
  ],
  [
    'a coding not ending in chunked, with Content-Length',
    `${ok('Transfer-Encoding: gzip\r\nContent-Length: 5\r\n')}hello${INJECTED}`,
    'refused',
  ],
  [
    'a bare LF in a header value',
    `${ok('Content-Length: 5\r\nX-A: a\nX-Injected: yes\r\n')}hello`,
    'refused',
  ],
  [
    'a bare CR in a header value',
    `${ok('Content-Length: 5\r\nX-A: a\rX-Injected: yes\r\n')}hello`,
    'refused',
  ],
  [
    'obs-fold in a header',
    `${ok('Content-Length: 5\r\nX-A: a\r\n X-Injected: yes\r\n')}hello`,
    'refused',
  ],
  ['more bytes than Content-Length', `${ok('Content-Length: 5\r\n')}hello${INJECTED}`, 'hello'],
  [
    'bytes after the last chunk',
    `${ok('Transfer-Encoding: chunked\r\n')}5\r\nhello\r\n0\r\n\r\n${INJECTED}`,
    'hello',
  ],
  [
    'a chunk size past 2^64',
    `${ok('Transfer-Encoding: chunked\r\n')}ffffffffffffffffff5\r\nhello\r\n0\r\n\r\n${INJECTED}`,
    'any',
  ],
  ['a body on a 204', `HTTP/1.1 204 No Content\r\n\r\n${INJECTED}`, 'empty'],
  ['a body on a 304', `HTTP/1.1 304 Not Modified\r\n\r\n${INJECTED}`, 'empty'],
  [
    'a body on an answer to HEAD',
    `${ok('Content-Length: 5\r\n')}hello${INJECTED}`,
    'empty',
    'HEAD',
  ],
];

describe('upstream answers that carry a second response', () => {
  for (const [name, first, expected, method = 'GET'] of answers) {
    test(`${name}: no client ever gets the injected response`, async () => {
      const upstream = await startRawUpstream((_head, socket, { connection, request }) => {
        socket.write(connection === 1 && request === 1 ? first : GENUINE);
      });
      const proxy = await startProxy({
        tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(upstream) } }),
        responseHeadersTimeoutMs: 1_000,
        responseBodyTimeoutMs: 500,
      });
      // One client connection throughout, so the second and third requests follow the first.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const replies: { status: number; body: string; injected: boolean }[] = [];
        for (let i = 0; i < 3; i++) {
          const reply = await send(proxy.port, {
            method: i === 0 ? method : 'GET',
            headers: { host: 'x.test' },
            agent,
          }).catch(() => null);
          if (reply === null) continue;
          const injected = reply.headers['x-injected'] !== undefined;
          replies.push({ status: reply.status, body: reply.body, injected });
          if (i === 0 && expected === 'refused') {
            assert.equal(reply.status, 502);
            assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_PROTOCOL');
          }
          if (i === 0 && expected === 'hello') assert.equal(reply.body, 'hello');
          if (i === 0 && expected === 'empty') assert.equal(reply.body, '');
        }
        assert.ok(
          replies.every((reply) => !reply.body.includes('INJECTED') && !reply.injected),
          JSON.stringify(replies),
        );
        assert.deepEqual(
          replies.slice(-2).map((reply) => reply.body),
          ['genuine', 'genuine'],
          'the requests that follow get genuine answers',
        );
      } finally {
        agent.destroy();
        await proxy.close(200);
        await upstream.close();
      }
    });
  }

  test('pipelined on one client connection: one answer per request, none injected', async () => {
    const upstream = await startRawUpstream((_head, socket, { connection, request }) => {
      socket.write(
        connection === 1 && request === 1
          ? `${ok('Content-Length: 5\r\n')}hello${INJECTED}`
          : GENUINE,
      );
    });
    const proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(upstream) } }),
    });
    try {
      const text = await sendRaw(
        proxy.port,
        'GET /1 HTTP/1.1\r\nHost: x.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: x.test\r\nConnection: close\r\n\r\n',
      );
      assert.equal(parseRawResponse(text).body.slice(0, 5), 'hello');
      assert.equal([...text.matchAll(/HTTP\/1\.1 \d{3} /g)].length, 2, text);
      assert.doesNotMatch(text, /INJECTED|x-injected/i);
      assert.ok(text.endsWith('genuine'), text);
    } finally {
      await proxy.close(200);
      await upstream.close();
    }
  });
});
