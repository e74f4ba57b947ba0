// HTTP/1.1 requests that try to reach what the table does not route, or to desync the proxy
// from its upstream (issue 15, part 5: what held up in the security review). Only /public on
// a.test is routed, so every request here that the proxy accepted would reach the upstream;
// the upstream records every byte it reads, and the tests check that nothing outside /public,
// no smuggled request and no tunnelled byte ever arrives.
//
// Elsewhere, not repeated here: CL with TE, two different CLs, codings not ending in chunked
// or under another coding, no Host, two different Hosts, a space in the target, an
// authority-form target and CONNECT to a name (400 each) in proxy-malformed.test.ts; transfer
// codings the proxy does not decode (501) and a 101 answering an h2c request in
// proxy-header-security.test.ts; routing by the normalised path and the absolute form taking
// host and path from the target in proxy-routing.test.ts; the same hostile paths through
// `pointsman serve`, against a backend that decodes everything, in test/serve/path-rules.test.ts;
// the HTTP/2 side in proxy-h2-held-up.test.ts and proxy-h2-floods.test.ts; upstream framing in
// proxy-held-up-upstream.test.ts.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { parseRawResponse, sendRaw } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

const H = 'Host: a.test\r\n';
const H2C =
  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n';
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
// An empty SETTINGS frame and a HEADERS frame for GET /admin (HPACK: static entries 2, 6 and
// `:path` as a literal), as an h2c client would send right after a 101.
const H2_ADMIN =
  '\x00\x00\x00\x04\x00\x00\x00\x00\x00' +
  '\x00\x00\x0a\x01\x05\x00\x00\x00\x01\x82\x86\x04\x06/admin';

/** True when a target, resolved the way a WHATWG URL parser (most backends) does, is in /public. */
function inPublic(target: string): boolean {
  const path = new URL(target, 'http://upstream').pathname;
  return path === '/public' || path.startsWith('/public/');
}

// Ends a keep-alive exchange: unrouted (never forwarded), and the proxy closes after its 404.
const END = `GET /end HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;

/** True once raw text holds a whole first response (its body as long as Content-Length). */
function answered(text: string): boolean {
  const response = parseRawResponse(text);
  const length = Number(response.headers.get('content-length'));
  return response.status > 0 && response.body.length >= length;
}

/** Status codes of the responses in raw text, in order. */
function statuses(text: string): string[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1] ?? '');
}

describe('requests aimed past the routes, or at the upstream framing', () => {
  let echo: EchoUpstream;
  let plain: RunningProxy;
  let h2c: RunningProxy;
  /** Every byte the upstream read, as latin1 text. */
  let wire = '';
  /** `METHOD target` of every request the upstream's parser took from those bytes. */
  let parsed: string[] = [];

  before(async () => {
    echo = await startEchoUpstream('public');
    echo.server.on('request', (req: { method?: string; url?: string }) => {
      parsed.push(`${req.method ?? ''} ${req.url ?? ''}`);
    });
    echo.server.on('connection', (socket: Socket) => {
      socket.on('data', (chunk: Buffer) => (wire += chunk.toString('latin1')));
    });
    const tables = holderWith({
      routes: [{ host: 'a.test', path: '/public', backend: 'public' }],
      backends: { public: loopback(echo) },
    });
    plain = await startProxy({ tables, headersTimeoutMs: 1_000 });
    h2c = await startProxy({ tables, headersTimeoutMs: 1_000, http2: true });
  });

  after(async () => {
    await Promise.all([plain.close(), h2c.close()]);
    await echo.close();
  });

  /** Resets what the upstream saw. */
  function clear(): void {
    wire = '';
    parsed = [];
  }

  /**
   * Waits until a request sent after the attempt reaches the upstream: anything the proxy
   * forwarded from the attempt arrives on loopback long before. Returns what the upstream read
   * and parsed before that request.
   */
  async function fenced(port: number): Promise<{ upstream: string; requests: string[] }> {
    await sendRaw(port, `GET /public/fence HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    await until(() => parsed.includes('GET /public/fence'));
    const upstream = wire.slice(0, wire.lastIndexOf('GET /public/fence'));
    return { upstream, requests: parsed.slice(0, parsed.indexOf('GET /public/fence')) };
  }

  /** Sends raw bytes on a fresh connection; the answers and what reached the upstream. */
  async function attempt(raw: string, port = plain.port) {
    clear();
    const text = await sendRaw(port, raw);
    return { text, response: parseRawResponse(text), ...(await fenced(port)) };
  }

  describe('dot segments and repeated slashes', () => {
    // A proxy that matched the raw target by prefix would send these to the /public backend,
    // which resolves them to /admin; inPublic() resolves the forwarded target the same way.
    // The forwarded path is being changed to the normalised one: either way it stays in /public.
    const paths = [
      '/public/../admin',
      '/public/./../admin',
      '/public/x/../../admin',
      '/public/%2e%2e/admin',
      '/public/%2E%2e/admin',
      '/public/.%2e/admin',
      '/public/%2e/../admin',
      '/./admin',
      '//admin',
      '//public/../admin',
      '/public//../../admin',
      '/admin/../public/x',
    ];
    for (const path of paths) {
      test(`${path}: 404, or forwarded into /public`, async () => {
        const { response, requests } = await attempt(`GET ${path} HTTP/1.1\r\n${H}\r\n${END}`);
        const forwarded = requests.map((request) => request.split(' ')[1] ?? '');
        if (response.status === 200) assert.equal(forwarded.length, 1);
        else assert.ok([400, 404].includes(response.status), `answered ${response.status}`);
        for (const target of forwarded) assert.ok(inPublic(target), `forwarded as ${target}`);
      });
    }

    // Routed as /public/x: runs of / are merged before `..` is resolved, and what is forwarded
    // is that same path, so a backend that keeps empty segments cannot read /admin/public/x.
    test('/admin//../public/x: forwarded into /public', async () => {
      const { requests } = await attempt(`GET /admin//../public/x HTTP/1.1\r\n${H}\r\n${END}`);
      assert.equal(requests.length, 1);
      for (const request of requests) {
        assert.ok(inPublic(request.split(' ')[1] ?? ''), `forwarded as ${request}`);
      }
    });
  });

  describe('NUL and control bytes: 400, and nothing reaches the upstream', () => {
    // Each would otherwise be routed to /public. Node's insecureHTTPParser lets the header
    // value cases, bare LF and obs-fold through (checked against a bare node:http server), and a
    // bare LF or an obs-fold would then add X-Injected upstream; control bytes in the request
    // line and a bare CR are refused by llhttp even then.
    const cases: readonly (readonly [string, string])[] = [
      ['NUL in the target', `GET /public\x00/x HTTP/1.1\r\n${H}\r\n`],
      ['SOH in the target', `GET /public\x01 HTTP/1.1\r\n${H}\r\n`],
      ['DEL in the target', `GET /public\x7f HTTP/1.1\r\n${H}\r\n`],
      ['NUL in the version', `GET /public HTTP/1.1\x00\r\n${H}\r\n`],
      ['CR in the method', `GE\rT /public HTTP/1.1\r\n${H}\r\n`],
      ['NUL in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`],
      ['SOH in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`],
      ['DEL in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`],
      ['VT in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\x0bb\r\n\r\n`],
      ['NUL in the Host', `GET /public HTTP/1.1\r\nHost: a.test\x00.evil\r\n\r\n`],
      ['NUL in a header name', `GET /public HTTP/1.1\r\n${H}X-\x00A: a\r\n\r\n`],
      ['a bare CR in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\rX-Injected: 1\r\n\r\n`],
      ['a bare LF in a header value', `GET /public HTTP/1.1\r\n${H}X-A: a\nX-Injected: 1\r\n\r\n`],
      ['bare LF line ends', `GET /public HTTP/1.1\n${H.replace('\r', '')}\n`],
      ['obs-fold (space)', `GET /public HTTP/1.1\r\n${H}X-A: a\r\n X-Injected: 1\r\n\r\n`],
      ['obs-fold (tab)', `GET /public HTTP/1.1\r\n${H}X-A: a\r\n\tX-Injected: 1\r\n\r\n`],
    ];
    for (const [name, raw] of cases) {
      test(name, async () => {
        const { response, upstream } = await attempt(raw);
        assert.equal(response.status, 400);
        assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_BAD_REQUEST');
        assert.equal(upstream, '', 'the upstream read bytes of the request');
      });
    }
  });

  describe('Host and the absolute form', () => {
    const refused: readonly (readonly [string, string])[] = [
      ['the same Host twice', `GET /public HTTP/1.1\r\n${H}${H}\r\n`],
      [
        'Host and host, routed second',
        `GET /public HTTP/1.1\r\nHost: b.test\r\nhost: a.test\r\n\r\n`,
      ],
      ['a Host list', `GET /public HTTP/1.1\r\nHost: b.test, a.test\r\n\r\n`],
      ['userinfo in an absolute target', `GET http://b.test@a.test/public HTTP/1.1\r\n${H}\r\n`],
    ];
    for (const [name, raw] of refused) {
      test(`${name}: 400, nothing reaches the upstream`, async () => {
        const { response, upstream } = await attempt(raw);
        assert.equal(response.status, 400);
        assert.equal(upstream, '');
      });
    }

    test('an absolute target names an unrouted host: 404 although Host is routed', async () => {
      // Routing by the Host header would send it to /public; RFC 9112 section 3.2.2 says the
      // target's authority wins (the other direction is in proxy-routing.test.ts).
      const { response, upstream } = await attempt(
        `GET http://b.test/public HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      );
      assert.equal(response.status, 404);
      assert.equal(upstream, '');
    });
  });

  describe('request framing: 400, and no smuggled request reaches the upstream', () => {
    // Each body hides GET /admin. A proxy that took the other framing than its upstream would
    // send those bytes on as a request of their own; the proxy refuses, so none may arrive.
    const SMUGGLED = `GET /admin HTTP/1.1\r\n${H}\r\n`;
    const post = (headers: string, body: string): string =>
      `POST /public HTTP/1.1\r\n${H}${headers}\r\n${body}`;
    const chunkedSmuggle = `0\r\n\r\n${SMUGGLED}`;
    const cases: readonly (readonly [string, string])[] = [
      [
        'TE with a space before the colon',
        post('Transfer-Encoding : chunked\r\nContent-Length: 5\r\n', chunkedSmuggle),
      ],
      [
        'TE after a tab, with CL',
        post('Transfer-Encoding:\tchunked\r\nContent-Length: 5\r\n', chunkedSmuggle),
      ],
      ['TE in an obs-fold', post('Transfer-Encoding:\r\n chunked\r\n', chunkedSmuggle)],
      ['TE after a vertical tab', post('Transfer-Encoding:\x0bchunked\r\n', chunkedSmuggle)],
      ['TE xchunked', post('Transfer-Encoding: xchunked\r\n', chunkedSmuggle)],
      [
        'TE chunked twice',
        post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', chunkedSmuggle),
      ],
      ['TE chunked, identity', post('Transfer-Encoding: chunked, identity\r\n', chunkedSmuggle)],
      ['TE "chunked" quoted', post('Transfer-Encoding: "chunked"\r\n', chunkedSmuggle)],
      ['CL +N', post('Content-Length: +3\r\n', `abc${SMUGGLED}`)],
      ['CL N, N', post('Content-Length: 3, 3\r\n', `abc${SMUGGLED}`)],
      [
        'CL twice, same value',
        post('Content-Length: 3\r\nContent-Length: 3\r\n', `abc${SMUGGLED}`),
      ],
      ['CL in hex', post('Content-Length: 0x3\r\n', `abc${SMUGGLED}`)],
      ['CL with a space before the colon', post('Content-Length : 3\r\n', `abc${SMUGGLED}`)],
      ['CL past 2^64', post('Content-Length: 99999999999999999999999\r\n', `abc${SMUGGLED}`)],
      [
        'chunk size past 2^64',
        post('Transfer-Encoding: chunked\r\n', `10000000000000003\r\nabc\r\n${chunkedSmuggle}`),
      ],
      [
        'chunk size of 18 hex digits',
        post('Transfer-Encoding: chunked\r\n', `ffffffffffffffffff3\r\nabc\r\n${chunkedSmuggle}`),
      ],
      ['chunk size 0x3', post('Transfer-Encoding: chunked\r\n', `0x3\r\nabc\r\n${chunkedSmuggle}`)],
      [
        'chunk size and a space',
        post('Transfer-Encoding: chunked\r\n', `3 \r\nabc\r\n${chunkedSmuggle}`),
      ],
      [
        'NUL in a chunk extension',
        post('Transfer-Encoding: chunked\r\n', `3;a\x00b\r\nabc\r\n${chunkedSmuggle}`),
      ],
      [
        'bare LF in a chunk extension',
        post('Transfer-Encoding: chunked\r\n', `3;a\nb\r\nabc\r\n${chunkedSmuggle}`),
      ],
      [
        'bare CR in a chunk extension',
        post('Transfer-Encoding: chunked\r\n', `3;a\rb\r\nabc\r\n${chunkedSmuggle}`),
      ],
      ['bare LF chunk lines', post('Transfer-Encoding: chunked\r\n', `3\nabc\n0\n\n${SMUGGLED}`)],
      [
        'chunk data longer than its size',
        post('Transfer-Encoding: chunked\r\n', `3\r\nabcX${chunkedSmuggle}`),
      ],
    ];
    for (const [name, raw] of cases) {
      test(name, async () => {
        const { response, upstream, requests } = await attempt(raw);
        assert.equal(response.status, 400);
        assert.doesNotMatch(upstream, /\/admin/, 'the smuggled request reached the upstream');
        // The head may have gone out before a bad chunk was read, never more than that.
        assert.ok(
          requests.every((request) => request === 'POST /public'),
          requests.join(),
        );
      });
    }

    const accepted: readonly (readonly [string, string, number])[] = [
      [
        'TE after a tab (OWS)',
        post('Transfer-Encoding:\tchunked\r\n', `3\r\nabc\r\n${chunkedSmuggle}`),
        3,
      ],
      [
        'a chunk extension',
        post('Transfer-Encoding: chunked\r\n', `3;n=v\r\nabc\r\n${chunkedSmuggle}`),
        3,
      ],
      [
        'a chunk holding a request',
        post(
          'Transfer-Encoding: chunked\r\n',
          `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
        ),
        SMUGGLED.length,
      ],
      [
        'a CL body holding a request',
        post(`Content-Length: ${String(SMUGGLED.length)}\r\n`, SMUGGLED),
        SMUGGLED.length,
      ],
    ];
    for (const [name, raw, bodyBytes] of accepted) {
      test(`${name}: the body stays a body, what follows is routed on its own`, async () => {
        const { text, requests } = await attempt(raw + END);
        // Where the body ends, the proxy reads the next request and answers it itself.
        const smuggled = bodyBytes === 3 ? ['404'] : [];
        assert.deepEqual(statuses(text), ['200', ...smuggled, '404']);
        assert.deepEqual(requests, ['POST /public']);
        assert.match(text, new RegExp(`"bodyBytes":${String(bodyBytes)}\\b`));
      });
    }

    test('pipelined requests are routed one by one', async () => {
      const { text, requests } = await attempt(
        `GET /public/1 HTTP/1.1\r\n${H}\r\n${SMUGGLED}GET /public/2 HTTP/1.1\r\n${H}\r\n${END}`,
      );
      assert.deepEqual(statuses(text), ['200', '404', '200', '404']);
      assert.deepEqual(requests, ['GET /public/1', 'GET /public/2']);
    });

    test('HTTP/1.0 with Transfer-Encoding: nothing after it on the connection is read', async () => {
      // RFC 9112 section 6.1: such framing is faulty, and the connection must close after it.
      const { requests } = await attempt(
        `POST /public HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /public/smuggled HTTP/1.1\r\n${H}\r\n`,
      );
      assert.ok(!requests.includes('GET /public/smuggled'), requests.join());
    });
  });

  describe('h2c upgrade (Upgrade: h2c, HTTP2-Settings) never becomes a tunnel', () => {
    // A proxy that tunnelled it would hand the client a raw HTTP/2 connection to the backend,
    // where no path rule applies: the follow-up GET /admin frames would reach it.
    for (const [listener, port] of [
      ['plain listener', () => plain.port],
      ['h2c listener', () => h2c.port],
    ] as const) {
      test(`${listener}: served as HTTP/1.1, routed; no upgrade, no tunnel`, async () => {
        clear();
        const first = await upgradeExchange(port(), '/public', PREFACE + H2_ADMIN);
        assert.match(first, /^HTTP\/1\.1 200 /);
        assert.doesNotMatch(first, /101 Switching/);
        const second = await upgradeExchange(port(), '/admin', '');
        assert.match(second, /^HTTP\/1\.1 404 /, 'routing applies to the upgrade request');
        const { upstream, requests } = await fenced(port());
        assert.deepEqual(requests, ['GET /public']);
        assert.doesNotMatch(upstream, /^(upgrade|http2-settings):/im, 'upgrade headers forwarded');
        assert.doesNotMatch(upstream, /admin|PRI \*/, 'the HTTP/2 bytes reached the upstream');
      });
    }

    /**
     * Sends an h2c upgrade request for `path` on a fresh connection, waits for its answer, then
     * writes `next` (an HTTP/2 preface and frames, as a client would after a 101) and gives the
     * proxy a moment to do something with it. Returns everything the proxy sent.
     */
    async function upgradeExchange(port: number, path: string, next: string): Promise<string> {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.write(`GET ${path} HTTP/1.1\r\n${H}${H2C}\r\n`);
      await until(() => socket.closed || answered(received));
      if (next !== '') {
        socket.write(next);
        // Either a 400 for the preface read as HTTP/1.1, or silence; never the backend.
        await until(() => socket.closed || statuses(received).length > 1, 300).catch(
          () => undefined,
        );
      }
      socket.destroy();
      return received;
    }
  });

  test('CONNECT to the upstream itself: 400, and the upstream gets no connection', async () => {
    // A forward proxy would open the tunnel and pass the GET /admin that follows straight on.
    const connections = echo.connections;
    const target = `127.0.0.1:${String(echo.port)}`;
    const { response, upstream } = await attempt(
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\nGET /admin HTTP/1.1\r\n${H}\r\n`,
    );
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_BAD_REQUEST');
    assert.equal(upstream, '');
    // The fence request in attempt() may have opened one pooled connection, nothing more.
    assert.ok(echo.connections - connections <= 1);
  });
});
