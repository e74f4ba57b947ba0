// Snippets read as data, and the response rewrite annotations, through `pointsman serve`: what
// the client and the upstream see for each header operation; a `location = /robots.txt`
// answered without reaching the backend; a redirect from a snippet's rewrite; a variable that
// tries to split a header; a server-snippet on every route of its host; and a snippet with
// `deny all` still failing closed.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEcho } from '../helpers/echo-upstream.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

/** An Ingress of one host whose `/` goes to Service app, annotated. */
function annotated(name: string, host: string, annotations: Record<string, string>): object {
  return ingressWith({ name, hosts: [host], paths: [{ path: '/', service: 'app' }], annotations });
}

const CONFIGURATION_SNIPPET = `
  proxy_hide_header X-Powered-By;
  add_header X-Frame-Options DENY;
  add_header X-Served-For $host always;
  more_set_headers "X-Trace-Back: $http_x_trace";
  more_clear_headers 'X-Debug-*';
  proxy_set_header X-Tenant "t-$arg_tenant";
  more_set_input_headers "X-Input: yes";
  more_clear_input_headers X-Secret;
  rewrite ^/old/(.*)$ /new/$1 permanent;
  location = /robots.txt { default_type text/plain; return 200 "User-agent: *\\nDisallow: /\\n"; }
  set $unsupported 1;
`;

/** An upstream that echoes the request as JSON and sends the headers a path asks for. */
async function startHeaderUpstream(): Promise<{
  server: Server;
  port: number;
  hits: () => number;
}> {
  let hits = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits++;
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        name: 'app',
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyBytes: 0,
      });
      res.setHeader('x-powered-by', 'php');
      res.setHeader('x-debug-id', '7');
      res.setHeader('x-kept', 'yes');
      res.setHeader('set-cookie', [
        's=1; Path=/app/cart; Domain=.Internal.local',
        'k=2; Path=/other',
      ]);
      if (req.url === '/moved') {
        res.setHeader('location', 'http://internal.local/login?x=1');
        res.setHeader('refresh', '0; url=http://internal.local/next');
        res.statusCode = 302;
      }
      if (req.url === '/missing') res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

describe('serve: snippets and response rewrites', () => {
  let upstream: Awaited<ReturnType<typeof startHeaderUpstream>>;
  let serve: ServeProcess;

  before(async () => {
    upstream = await startHeaderUpstream();
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      annotated('headers', 'headers.example.com', {
        [n('configuration-snippet')]: CONFIGURATION_SNIPPET,
        [n('proxy-redirect-from')]: 'http://internal.local/',
        [n('proxy-redirect-to')]: 'https://headers.example.com/',
        [n('proxy-cookie-path')]: '/app/ /',
        [n('proxy-cookie-domain')]: 'internal.local headers.example.com',
      }),
      annotated('server', 'server.example.com', {
        [n('server-snippet')]:
          'more_set_headers "X-Server: yes"; location = /healthz { return 200 "ok"; }',
      }),
      annotated('denied', 'denied.example.com', {
        [n('configuration-snippet')]: 'more_set_headers "X-A: b"; deny all;',
      }),
      ...serviceWithEndpoints('app', [upstream.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  test('request headers: set from a variable, set, cleared; the proxy own headers kept', async () => {
    const reply = await send(serve.httpPort, {
      path: '/page?tenant=acme',
      headers: { host: 'headers.example.com', 'x-secret': 'hush', 'x-tenant': 'forged' },
    });
    assert.equal(reply.status, 200);
    const seen = parseEcho(reply.body).headers;
    assert.equal(seen['x-tenant'], 't-acme');
    assert.equal(seen['x-input'], 'yes');
    assert.equal(seen['x-secret'], undefined);
    assert.equal(seen['x-forwarded-host'], 'headers.example.com');
  });

  test('response headers: hidden, added on 2xx only or always, set, cleared by wildcard', async () => {
    const ok = await send(serve.httpPort, {
      path: '/page',
      headers: { host: 'headers.example.com', 'x-trace': 'abc' },
    });
    assert.equal(ok.headers['x-powered-by'], undefined);
    assert.equal(ok.headers['x-debug-id'], undefined);
    assert.equal(ok.headers['x-kept'], 'yes');
    assert.equal(ok.headers['x-frame-options'], 'DENY');
    assert.equal(ok.headers['x-served-for'], 'headers.example.com');
    assert.equal(ok.headers['x-trace-back'], 'abc');
    const missing = await send(serve.httpPort, {
      path: '/missing',
      headers: { host: 'headers.example.com' },
    });
    assert.equal(missing.status, 404);
    // add_header without `always` is for 2xx and 3xx answers only, as in nginx.
    assert.equal(missing.headers['x-frame-options'], undefined);
    assert.equal(missing.headers['x-served-for'], 'headers.example.com');
    // An empty value sets nothing: the header is cleared, as more_set_headers does.
    assert.equal(missing.headers['x-trace-back'], undefined);
  });

  test('proxy-redirect and proxy-cookie rewrite Location, Refresh and Set-Cookie', async () => {
    const moved = await send(serve.httpPort, {
      path: '/moved',
      headers: { host: 'headers.example.com' },
    });
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, 'https://headers.example.com/login?x=1');
    assert.equal(moved.headers.refresh, '0; url=https://headers.example.com/next');
    assert.deepEqual(moved.headers['set-cookie'], [
      's=1; Path=/cart; Domain=headers.example.com',
      'k=2; Path=/other',
    ]);
  });

  test('location = /robots.txt and a rewrite redirect answer without the backend', async () => {
    const before = upstream.hits();
    const robots = await send(serve.httpPort, {
      path: '/robots.txt',
      headers: { host: 'headers.example.com' },
    });
    assert.equal(robots.status, 200);
    assert.equal(robots.body, 'User-agent: *\nDisallow: /\n');
    assert.equal(robots.headers['content-type'], 'text/plain');
    const old = await send(serve.httpPort, {
      path: '/old/a/b?q=1',
      headers: { host: 'headers.example.com' },
    });
    assert.equal(old.status, 301);
    assert.equal(old.headers.location, 'http://headers.example.com/new/a/b?q=1');
    assert.equal(old.headers['x-frame-options'], 'DENY');
    assert.equal(upstream.hits(), before);
  });

  test('a variable cannot split a header, upstream or to the client', async () => {
    const raw = await sendRaw(
      serve.httpPort,
      'GET /page?tenant=a%0d%0aInjected:%20yes HTTP/1.1\r\nHost: headers.example.com\r\n' +
        'X-Trace: a\xffb Injected: no\r\nConnection: close\r\n\r\n',
    );
    const reply = parseRawResponse(raw);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('injected'), undefined);
    assert.equal(reply.headers.get('x-trace-back'), 'a%C3%BFb%20Injected:%20no');
    const seen = parseEcho(reply.body).headers;
    assert.equal(seen['x-tenant'], 't-a%0d%0aInjected:%20yes');
    assert.equal(seen['injected'], undefined);
  });

  test('server-snippet applies to every route of its host', async () => {
    const page = await send(serve.httpPort, {
      path: '/x',
      headers: { host: 'server.example.com' },
    });
    assert.equal(page.headers['x-server'], 'yes');
    const health = await send(serve.httpPort, {
      path: '/healthz',
      headers: { host: 'server.example.com' },
    });
    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok');
    assert.equal(health.headers['content-type'], 'text/html');
    assert.equal(health.headers['x-server'], 'yes');
  });

  test('a snippet with deny all still fails closed', async () => {
    const reply = await send(serve.httpPort, {
      path: '/',
      headers: { host: 'denied.example.com' },
    });
    assert.equal(reply.status, 503);
    assert.match(reply.body, /PM_ERR_ACCESS_CONTROL_NOT_ENFORCED/);
    assert.equal(reply.headers['x-a'], undefined);
  });
});
