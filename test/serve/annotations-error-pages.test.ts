// custom-http-errors, default-backend, disable-proxy-intercept-errors and
// --default-backend-service through `pointsman serve`, with an error backend that answers with
// the status of X-Code and echoes what it received: an upstream answer with a listed status is
// replaced by the error page (ingress-nginx's X-* headers, asked for at `/` with GET), another
// status is relayed unchanged, the default-backend stands in for a Service without endpoints,
// the proxy's own 502/503 go to the error backend, and what no rule matches goes to the global
// default backend instead of a 404.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { closedPort } from '../helpers/closed-port.ts';

const A = 'nginx.ingress.kubernetes.io';

/** What the echo error backend saw. */
interface Seen {
  readonly backend: string;
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Answers `/status/NNN` with that status and `upstream NNN`; anything else 200. */
function statusUpstream(): Server {
  return createServer((req, res) => {
    req.resume();
    const match = /^\/status\/(\d{3})/.exec(req.url ?? '');
    const status = match === null ? 200 : Number(match[1]);
    res.writeHead(status, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
    // `?big`: a body larger than the proxy reads to keep the connection (64 KiB).
    const big = (req.url ?? '').endsWith('?big');
    res.end(big ? Buffer.alloc(512 * 1024, 'u') : `upstream ${String(status)}`);
  });
}

/** An error backend: the status of X-Code (200 without), a JSON echo of the request. */
function errorBackend(name: string): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: Seen = {
        backend: name,
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
        headers: req.headers,
      };
      const code = Number(req.headers['x-code'] ?? '200');
      res.writeHead(code, { 'content-type': 'application/json', 'x-error-backend': name });
      res.end(JSON.stringify(seen));
    });
  });
}

/** An error backend whose page is larger than the proxy keeps (2 MiB). */
function hugeBackend(): Server {
  return createServer((req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
  });
}

describe('serve: custom-http-errors, default-backend and --default-backend-service', () => {
  const servers: Server[] = [];
  let serve: ServeProcess;

  before(async () => {
    const app = statusUpstream();
    const errors = errorBackend('errors');
    const fallback = errorBackend('fallback');
    const huge = hugeBackend();
    servers.push(app, errors, fallback, huge);
    const [appPort, errorsPort, fallbackPort, hugePort] = await Promise.all(
      servers.map((server) => listen(server)),
    );
    const dead = await closedPort();
    const dir = await manifestDir();
    const route = (name: string, service: string, annotations: Record<string, string>): object =>
      ingressWith({
        name,
        hosts: [`${name}.example.com`],
        paths: [{ path: '/', service }],
        annotations,
      });
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ...serviceWithEndpoints('app', [appPort as number]),
      ...serviceWithEndpoints('errors', [errorsPort as number]),
      ...serviceWithEndpoints('fallback', [fallbackPort as number]),
      ...serviceWithEndpoints('huge', [hugePort as number]),
      ...serviceWithEndpoints('dead', [dead]),
      ...serviceWithEndpoints('empty', []),
      route('pages', 'app', {
        [`${A}/custom-http-errors`]: '404, 503',
        [`${A}/default-backend`]: 'errors',
      }),
      route('relay', 'app', {
        [`${A}/custom-http-errors`]: '503',
        [`${A}/default-backend`]: 'errors',
        [`${A}/disable-proxy-intercept-errors`]: 'true',
      }),
      route('standin', 'empty', { [`${A}/default-backend`]: 'errors' }),
      route('noend', 'empty', { [`${A}/custom-http-errors`]: '503' }),
      route('down', 'dead', {
        [`${A}/custom-http-errors`]: '502',
        [`${A}/default-backend`]: 'errors',
      }),
      route('broken', 'app', {
        [`${A}/custom-http-errors`]: '503',
        [`${A}/default-backend`]: 'dead',
      }),
      route('big', 'app', {
        [`${A}/custom-http-errors`]: '503',
        [`${A}/default-backend`]: 'huge',
      }),
      route('missing', 'app', {
        [`${A}/custom-http-errors`]: '503',
        [`${A}/default-backend`]: 'nowhere',
      }),
    ]);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--default-backend-service',
      'default/fallback',
      '--h2c',
    ]);
  });

  after(async () => {
    await serve.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const get = (host: string, path: string, headers: Record<string, string> = {}) =>
    send(serve.httpPort, { path, headers: { host, ...headers } });
  const seen = (body: string): Seen => JSON.parse(body) as Seen;

  test('a listed upstream status is served by the error backend with the X-* headers', async () => {
    const reply = await get('pages.example.com', '/status/503?q=1', {
      accept: 'text/html',
      'x-request-id': 'req-error-1',
    });
    // nginx's `error_page 503 = @custom_...`: the error backend's answer, status included.
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-error-backend'], 'errors');
    assert.equal(reply.headers['x-upstream'], undefined);
    const page = seen(reply.body);
    assert.equal(page.method, 'GET');
    assert.equal(page.url, '/');
    assert.equal(page.headers['x-code'], '503');
    assert.equal(page.headers['x-format'], 'text/html');
    assert.equal(page.headers['x-original-uri'], '/status/503?q=1');
    assert.equal(page.headers['x-namespace'], 'default');
    assert.equal(page.headers['x-ingress-name'], 'pages');
    assert.equal(page.headers['x-service-name'], 'app');
    assert.equal(page.headers['x-service-port'], '80');
    assert.equal(page.headers['x-request-id'], 'req-error-1');
    assert.equal(page.headers.host, 'pages.example.com');
  });

  test('the other listed status too; a POST is asked for with GET and no body', async () => {
    const reply = await send(serve.httpPort, {
      method: 'POST',
      path: '/status/404',
      headers: { host: 'pages.example.com', 'content-type': 'text/plain' },
      body: 'the request body',
    });
    assert.equal(reply.status, 404);
    const page = seen(reply.body);
    assert.equal(page.headers['x-code'], '404');
    assert.equal(page.method, 'GET');
    assert.equal(page.body, '');
    assert.equal(page.headers['x-original-uri'], '/status/404');
  });

  test('an upstream answer with a large body is replaced all the same, twice in a row', async () => {
    for (let i = 0; i < 2; i++) {
      const reply = await get('pages.example.com', '/status/503?big');
      assert.equal(reply.status, 503);
      assert.equal(seen(reply.body).headers['x-original-uri'], '/status/503?big');
    }
  });

  test('over h2c too: the page replaces the answer', async () => {
    const session = await h2Connect(serve.httpPort);
    try {
      const reply = await h2Request(session, {
        path: '/status/503',
        authority: 'pages.example.com',
      });
      assert.equal(reply.status, 503);
      assert.equal(reply.headers['x-error-backend'], 'errors');
      assert.equal(seen(reply.body.toString()).headers['x-code'], '503');
    } finally {
      session.close();
    }
  });

  test('HEAD gets the page head without a body', async () => {
    const reply = await send(serve.httpPort, {
      method: 'HEAD',
      path: '/status/503',
      headers: { host: 'pages.example.com' },
    });
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-error-backend'], 'errors');
    assert.equal(reply.body, '');
  });

  test('a status not listed, and a success, are relayed unchanged', async () => {
    const failed = await get('pages.example.com', '/status/500');
    assert.equal(failed.status, 500);
    assert.equal(failed.body, 'upstream 500');
    assert.equal(failed.headers['x-error-backend'], undefined);
    const ok = await get('pages.example.com', '/status/200');
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'upstream 200');
  });

  test('disable-proxy-intercept-errors: the upstream answer is relayed', async () => {
    const reply = await get('relay.example.com', '/status/503');
    assert.equal(reply.status, 503);
    assert.equal(reply.body, 'upstream 503');
    assert.equal(reply.headers['x-upstream'], 'yes');
  });

  test('default-backend stands in when the Service has no endpoints', async () => {
    const reply = await send(serve.httpPort, {
      method: 'POST',
      path: '/orders/7?x=1',
      // A client cannot choose what the stand-in is told: these are replaced.
      headers: { host: 'standin.example.com', 'x-code': '200', 'x-namespace': 'forged' },
      body: 'order',
    });
    assert.equal(reply.headers['x-error-backend'], 'errors');
    // The request itself goes to the stand-in (method, target, body), with X-Code: 503.
    const page = seen(reply.body);
    assert.equal(page.method, 'POST');
    assert.equal(page.url, '/orders/7?x=1');
    assert.equal(page.body, 'order');
    assert.equal(page.headers['x-code'], '503');
    assert.equal(page.headers['x-namespace'], 'default');
    assert.equal(page.headers['x-ingress-name'], 'standin');
    assert.equal(page.headers['x-service-name'], 'empty');
    assert.equal(page.headers['x-service-port'], '80');
    assert.equal(page.headers['x-original-uri'], undefined);
    assert.equal(reply.status, 503);
  });

  test("the proxy's own 503 (no endpoints) goes to the global default backend", async () => {
    const reply = await get('noend.example.com', '/a');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-error-backend'], 'fallback');
    const page = seen(reply.body);
    assert.equal(page.headers['x-code'], '503');
    assert.equal(page.headers['x-service-name'], 'empty');
    assert.equal(page.headers['x-original-uri'], '/a');
  });

  test("the proxy's own 502 (upstream refuses connections) goes to the error backend", async () => {
    const reply = await get('down.example.com', '/b');
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-error-backend'], 'errors');
    assert.equal(seen(reply.body).headers['x-code'], '502');
  });

  test('an error backend that fails or sends too large a page: 502 PM_ERR_ERROR_BACKEND', async () => {
    for (const host of ['broken.example.com', 'big.example.com']) {
      const reply = await get(host, '/status/503');
      assert.equal(reply.status, 502, host);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ERROR_BACKEND', host);
      assert.doesNotMatch(reply.body, /upstream 503/);
    }
  });

  test('a missing default-backend Service: its list goes to the global default backend', async () => {
    const reply = await get('missing.example.com', '/status/503');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-error-backend'], 'fallback');
    assert.equal(seen(reply.body).headers['x-ingress-name'], 'missing');
  });

  test('--default-backend-service answers an unmatched host and path instead of 404', async () => {
    const reply = await get('unknown.example.com', '/anything?z=2');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-error-backend'], 'fallback');
    const page = seen(reply.body);
    assert.equal(page.url, '/anything?z=2');
    assert.equal(page.headers['x-code'], undefined);
  });
});

describe('serve: --custom-http-errors with --default-backend-service', () => {
  const servers: Server[] = [];
  let serve: ServeProcess;

  before(async () => {
    const app = statusUpstream();
    // As ingress-nginx's default backend: 404 for anything, the page of X-Code when asked.
    const fallback = createServer((req, res) => {
      req.resume();
      const code = req.headers['x-code'];
      if (code === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('default backend - 404');
        return;
      }
      res.writeHead(Number(code), { 'content-type': 'application/json' });
      res.end(JSON.stringify({ backend: 'fallback', url: req.url, headers: req.headers }));
    });
    servers.push(app, fallback);
    const [appPort, fallbackPort] = await Promise.all(servers.map((server) => listen(server)));
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ...serviceWithEndpoints('app', [appPort as number]),
      ...serviceWithEndpoints('fallback', [fallbackPort as number], 'infra'),
      ingressWith({
        name: 'plain',
        hosts: ['plain.example.com'],
        paths: [{ path: '/', service: 'app' }],
      }),
      ingressWith({
        name: 'own',
        hosts: ['own.example.com'],
        paths: [{ path: '/', service: 'app' }],
        annotations: { [`${A}/custom-http-errors`]: '500' },
      }),
    ]);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--default-backend-service',
      'infra/fallback',
      '--custom-http-errors',
      '404,503',
    ]);
  });

  after(async () => {
    await serve.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const get = (host: string, path: string) => send(serve.httpPort, { path, headers: { host } });

  test('a route without a list of its own takes the global one', async () => {
    const reply = await get('plain.example.com', '/status/503');
    assert.equal(reply.status, 503);
    const page = JSON.parse(reply.body) as Seen;
    assert.equal(page.backend, 'fallback');
    assert.equal(page.headers['x-code'], '503');
    assert.equal(page.headers['x-ingress-name'], 'plain');
    // 500 is not in the global list.
    assert.equal((await get('plain.example.com', '/status/500')).body, 'upstream 500');
  });

  test("an Ingress's own list replaces the global one", async () => {
    const own = await get('own.example.com', '/status/500');
    assert.equal(own.status, 500);
    assert.equal((JSON.parse(own.body) as Seen).headers['x-code'], '500');
    assert.equal((await get('own.example.com', '/status/503')).body, 'upstream 503');
  });

  test("an unmatched host: the default backend's 404 comes back as its X-Code 404 page", async () => {
    const reply = await get('nobody.example.com', '/missing?x=1');
    assert.equal(reply.status, 404);
    const page = JSON.parse(reply.body) as Seen;
    assert.equal(page.url, '/');
    assert.equal(page.headers['x-code'], '404');
    assert.equal(page.headers['x-original-uri'], '/missing?x=1');
    assert.equal(page.headers['x-ingress-name'], undefined);
  });
});
