// What a client cannot make the proxy do (issue 15): spoof X-Forwarded-For, have TRACE echo
// its headers back, smuggle a body under a transfer coding the proxy does not decode, or get a
// raw connection to a backend from an upstream that switches protocols unasked.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

const ALLOW = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS';
const SPOOFED = '203.0.113.9';

/** One request head a raw upstream read, what came after it, and whether its socket closed. */
interface SeenRequest {
  readonly head: string;
  after: string;
  closed: boolean;
}

/**
 * An upstream that answers by path: `/wrong` switches to a protocol nobody asked for, `/bare`
 * sends a 101 that names none, `/right` switches to `WebSocket`, anything else is a 200.
 */
interface SwitchingUpstream {
  readonly raw: RawUpstream;
  readonly seen: SeenRequest[];
}

const ANSWERS: Readonly<Record<string, string>> = {
  '/wrong': 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: evil\r\n\r\n',
  '/bare': 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
  '/right': 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n',
};

async function startSwitchingUpstream(): Promise<SwitchingUpstream> {
  const seen: SeenRequest[] = [];
  const raw = await startRawUpstream((head, socket: Socket) => {
    const request: SeenRequest = { head, after: '', closed: false };
    seen.push(request);
    socket.on('data', (chunk: Buffer) => (request.after += chunk.toString('latin1')));
    socket.once('close', () => (request.closed = true));
    const path = head.split(' ')[1] ?? '';
    const answer = ANSWERS[path];
    if (answer === undefined) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.write(`${answer}BACKEND-BYTES`);
  });
  return { raw, seen };
}

describe('header and method security', () => {
  let echo: EchoUpstream;
  let switching: SwitchingUpstream;
  let untrusted: RunningProxy;
  let trusted: RunningProxy;

  before(async () => {
    echo = await startEchoUpstream('echo');
    switching = await startSwitchingUpstream();
    const tables = holderWith({
      routes: [{ host: 'switch.test', backend: 'switch' }],
      defaultBackend: 'echo',
      backends: { echo: loopback(echo), switch: loopback(switching.raw) },
    });
    untrusted = await startProxy({ tables, http2: true });
    trusted = await startProxy({ tables, http2: true, trustedProxies: ['127.0.0.0/8'] });
  });

  after(async () => {
    await untrusted.close(200);
    await trusted.close(200);
    await echo.close();
    await switching.raw.close();
  });

  describe('X-Forwarded-For', () => {
    const spoof = { host: 'a.test', 'x-forwarded-for': SPOOFED };

    test('from an untrusted peer it is replaced by the peer address', async () => {
      const reply = await send(untrusted.port, { headers: spoof });
      const seen = parseEcho(reply.body).rawHeaders;
      const values = seen.filter((_, i) => i % 2 === 1 && seen[i - 1] === 'x-forwarded-for');
      assert.deepEqual(values, ['127.0.0.1']);
    });

    test('from a trusted peer it is extended with the peer address', async () => {
      const reply = await send(trusted.port, { headers: spoof });
      assert.equal(parseEcho(reply.body).headers['x-forwarded-for'], `${SPOOFED}, 127.0.0.1`);
    });

    test('over HTTP/2 the same', async () => {
      for (const [proxy, expected] of [
        [untrusted, '127.0.0.1'],
        [trusted, `${SPOOFED}, 127.0.0.1`],
      ] as const) {
        const session = await h2Connect(proxy.port);
        try {
          const reply = await h2Request(session, {
            authority: 'a.test',
            headers: { 'x-forwarded-for': SPOOFED },
          });
          assert.equal(reply.status, 200);
          assert.equal(parseEcho(reply.body.toString()).headers['x-forwarded-for'], expected);
        } finally {
          await h2Close(session);
        }
      }
    });

    test('on an upgrade request the same', async () => {
      const before = switching.seen.length;
      await sendRaw(
        untrusted.port,
        'GET /right HTTP/1.1\r\nHost: switch.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          `X-Forwarded-For: ${SPOOFED}\r\n\r\n`,
        500,
      );
      const head = switching.seen[before]?.head ?? '';
      assert.match(head, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/i);
      assert.doesNotMatch(head, new RegExp(SPOOFED.replaceAll('.', '\\.')));
    });
  });

  describe('TRACE', () => {
    test('HTTP/1.1: 405 with Allow, never sent upstream', async () => {
      const before = echo.requests;
      const reply = await send(untrusted.port, {
        method: 'TRACE',
        headers: { host: 'a.test', cookie: 'secret=1' },
      });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_METHOD_NOT_ALLOWED');
      assert.equal(reply.headers.allow, ALLOW);
      assert.doesNotMatch(reply.body, /secret/);
      assert.equal(echo.requests, before);
    });

    test('HTTP/2: 405 with Allow, never sent upstream', async () => {
      const before = echo.requests;
      const session = await h2Connect(untrusted.port);
      try {
        const reply = await h2Request(session, { method: 'TRACE', authority: 'a.test' });
        assert.equal(reply.status, 405);
        assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_METHOD_NOT_ALLOWED');
        assert.equal(reply.headers.allow, ALLOW);
      } finally {
        await h2Close(session);
      }
      assert.equal(echo.requests, before);
    });

    test('with an Upgrade header: 405 with Allow, never sent upstream', async () => {
      const before = switching.seen.length;
      const response = parseRawResponse(
        await sendRaw(
          untrusted.port,
          'TRACE /right HTTP/1.1\r\nHost: switch.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        ),
      );
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_METHOD_NOT_ALLOWED');
      assert.equal(response.headers.get('allow'), ALLOW);
      assert.equal(switching.seen.length, before);
    });
  });

  describe('transfer codings', () => {
    const post = (codings: string, extra = ''): string =>
      `POST /up HTTP/1.1\r\nHost: a.test\r\n${codings}${extra}\r\n0\r\n\r\n`;
    const upgrade = (version: string, codings: string): string =>
      `GET /right HTTP/${version}\r\nHost: switch.test\r\nConnection: Upgrade\r\n` +
      `Upgrade: websocket\r\n${codings}\r\n0\r\n\r\n`;
    const UNSUPPORTED = 'PM_ERR_UNSUPPORTED_TRANSFER_CODING';
    const BAD = 'PM_ERR_BAD_REQUEST';
    const cases: readonly (readonly [string, string, number, string])[] = [
      ['gzip, chunked', post('Transfer-Encoding: gzip, chunked\r\n'), 501, UNSUPPORTED],
      ['identity, chunked', post('Transfer-Encoding: identity, chunked\r\n'), 501, UNSUPPORTED],
      [
        'gzip and chunked in two fields',
        post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'),
        501,
        UNSUPPORTED,
      ],
      ['chunked, gzip', post('Transfer-Encoding: chunked, gzip\r\n'), 400, BAD],
      ['chunked, chunked', post('Transfer-Encoding: chunked, chunked\r\n'), 400, BAD],
      ['gzip alone', post('Transfer-Encoding: gzip\r\n'), 400, BAD],
      [
        'with Content-Length',
        post('Transfer-Encoding: chunked\r\n', 'Content-Length: 5\r\n'),
        400,
        BAD,
      ],
      [
        'on HTTP/1.0',
        'POST /up HTTP/1.0\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        BAD,
      ],
      [
        'upgrade with gzip, chunked',
        upgrade('1.1', 'Transfer-Encoding: gzip, chunked\r\n'),
        501,
        UNSUPPORTED,
      ],
      ['upgrade with gzip alone', upgrade('1.1', 'Transfer-Encoding: gzip\r\n'), 400, BAD],
      ['upgrade on HTTP/1.0', upgrade('1.0', 'Transfer-Encoding: chunked\r\n'), 400, BAD],
    ];

    for (const [name, raw, status, code] of cases) {
      test(`${name}: ${status}, connection closed, nothing sent upstream`, async () => {
        const echoed = echo.requests;
        const switched = switching.seen.length;
        const response = parseRawResponse(await sendRaw(untrusted.port, raw));
        assert.equal(response.status, status);
        assert.equal(response.headers.get('x-pointsman-error'), code);
        assert.equal(response.headers.get('connection'), 'close');
        assert.equal(echo.requests, echoed);
        assert.equal(switching.seen.length, switched);
      });
    }
  });

  describe('an upstream that switches protocols', () => {
    const upgradeTo = (path: string): string =>
      `GET ${path} HTTP/1.1\r\nHost: switch.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nCLIENT-BYTES`;

    /**
     * Sends raw bytes and checks that the client got a clean 502 and no backend bytes, and that
     * the upstream got the request once (no retry) and nothing after it, its connection closed.
     */
    async function expectProtocolError(raw: string): Promise<void> {
      const before = switching.seen.length;
      const text = await sendRaw(untrusted.port, raw, 2_000);
      const response = parseRawResponse(text);
      assert.equal(response.status, 502);
      assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_UPSTREAM_PROTOCOL');
      assert.doesNotMatch(text, /BACKEND-BYTES|^HTTP\/1\.1 101/m);
      assert.equal(switching.seen.length, before + 1, 'sent once, not retried');
      const request = switching.seen[before];
      assert.equal(request?.after, '', 'nothing reaches the upstream after the request');
      await until(() => request.closed);
    }

    test('an upgrade answered with another protocol: 502, nothing spliced', async () => {
      await expectProtocolError(upgradeTo('/wrong'));
    });

    test('an upgrade answered with a 101 that names no protocol: 502', async () => {
      await expectProtocolError(upgradeTo('/bare'));
    });

    test('the offered protocol in another case is still a tunnel', async () => {
      const text = await sendRaw(untrusted.port, upgradeTo('/right'), 500);
      assert.equal(parseRawResponse(text).status, 101);
      assert.match(text, /BACKEND-BYTES/);
    });

    test('a 101 to a request that asked for no upgrade: 502, no tunnel', async () => {
      await expectProtocolError(
        'GET /wrong HTTP/1.1\r\nHost: switch.test\r\nConnection: close\r\n\r\n',
      );
      await expectProtocolError(
        'GET /bare HTTP/1.1\r\nHost: switch.test\r\nConnection: close\r\n\r\n',
      );
    });

    test('a 101 to an h2c upgrade request, which is sent as a plain request: 502', async () => {
      await expectProtocolError(
        'GET /wrong HTTP/1.1\r\nHost: switch.test\r\nConnection: Upgrade, HTTP2-Settings, close\r\n' +
          'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
      );
    });
  });
});
