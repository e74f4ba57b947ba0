// Redirect and upstream-header annotations through `pointsman serve`: permanent-redirect,
// temporal-redirect (with their codes) and app-root answer with the Location filled in per
// request and never reach the backend, even when a client tries to split the answer through a
// variable; upstream-vhost and x-forwarded-prefix are what the backend receives; over HTTP/1.1,
// h2c and an Upgrade request; `explain` says a route redirects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, parseEcho, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { explainJson } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

/** An Ingress of one host whose paths (with their pathType) go to `service`, annotated. */
function annotated(
  name: string,
  host: string,
  service: string,
  annotations: Record<string, string>,
  paths: readonly [string, 'Exact' | 'Prefix' | 'ImplementationSpecific'][] = [['/', 'Prefix']],
): object {
  const withService = paths.map(([path, pathType]) => ({ path, pathType, service }));
  return ingressWith({ name, hosts: [host], paths: withService, annotations });
}

describe('serve: redirect and upstream-header annotations', () => {
  let redirected: EchoUpstream;
  let app: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    [redirected, app] = await Promise.all([
      startEchoUpstream('redirected'),
      startEchoUpstream('app'),
    ]);
    dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      annotated('moved', 'moved.example.com', 'redirected', {
        [n('permanent-redirect')]: 'https://new.example.com$request_uri',
      }),
      annotated('coded', 'coded.example.com', 'redirected', {
        [n('permanent-redirect')]: '/elsewhere',
        [n('permanent-redirect-code')]: '308',
      }),
      annotated('temporary', 'temp.example.com', 'redirected', {
        [n('temporal-redirect')]: '$scheme://status.example.com/?from=$host&trace=${http_x_trace}',
        [n('temporal-redirect-code')]: '307',
        [n('permanent-redirect')]: 'https://never.example.com/',
      }),
      annotated('app-root', 'app.example.com', 'app', { [n('app-root')]: '/app1' }),
      annotated('vhost', 'vhost.example.com', 'app', {
        [n('upstream-vhost')]: '$http_x_tenant.internal:8080',
      }),
      annotated(
        'prefixed',
        'prefix.example.com',
        'app',
        { [n('rewrite-target')]: '/$1', [n('x-forwarded-prefix')]: '/api' },
        [['/api/(.*)', 'ImplementationSpecific']],
      ),
      ...serviceWithEndpoints('redirected', [redirected.port]),
      ...serviceWithEndpoints('app', [app.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([redirected.close(), app.close()]);
  });

  test('permanent-redirect: 301 by default, its code when set, variables filled in', async () => {
    const moved = await send(serve.httpPort, {
      path: '/shop/item?id=7',
      headers: { host: 'moved.example.com' },
    });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, 'https://new.example.com/shop/item?id=7');
    const coded = await send(serve.httpPort, {
      method: 'POST',
      path: '/anything',
      headers: { host: 'coded.example.com' },
      body: 'data',
    });
    assert.equal(coded.status, 308);
    // A path is made absolute, as nginx does: the request's scheme and host, without the port.
    assert.equal(coded.headers.location, 'http://coded.example.com/elsewhere');
  });

  test('temporal-redirect wins over permanent-redirect, with its code', async () => {
    const reply = await send(serve.httpPort, {
      path: '/',
      headers: { host: 'temp.example.com', 'x-trace': 'abc' },
    });
    assert.equal(reply.status, 307);
    assert.equal(
      reply.headers.location,
      'http://status.example.com/?from=temp.example.com&trace=abc',
    );
  });

  test('a client cannot split the answer through $request_uri or a header', async () => {
    const raw = await sendRaw(
      serve.httpPort,
      'GET /a%0D%0ASet-Cookie:%20x=1 HTTP/1.1\r\nHost: moved.example.com\r\nConnection: close\r\n\r\n',
    );
    const uri = parseRawResponse(raw);
    assert.ok(!/\r\nset-cookie/i.test(raw), raw);
    assert.equal(uri.status, 301, raw);
    assert.equal(uri.headers.get('location'), 'https://new.example.com/a%0D%0ASet-Cookie:%20x=1');
    const header = await sendRaw(
      serve.httpPort,
      'GET / HTTP/1.1\r\nHost: temp.example.com\r\nX-Trace: a b\u00ff\r\nConnection: close\r\n\r\n',
    );
    const answer = parseRawResponse(header);
    assert.equal(answer.status, 307, header);
    assert.equal(
      answer.headers.get('location'),
      'http://status.example.com/?from=temp.example.com&trace=a%20b%C3%BF',
    );
    // A bare CR in a header value is refused by the parser before routing.
    const cr = await sendRaw(
      serve.httpPort,
      'GET / HTTP/1.1\r\nHost: temp.example.com\r\nX-Trace: a\rSet-Cookie: y=2\r\nConnection: close\r\n\r\n',
    );
    assert.ok(!/\r\nset-cookie/i.test(cr), cr);
  });

  test('a redirect route never reaches its backend, not even for an Upgrade', async () => {
    const raw = await sendRaw(
      serve.httpPort,
      'GET /chat HTTP/1.1\r\nHost: moved.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const answer = parseRawResponse(raw);
    assert.equal(answer.status, 301, raw);
    assert.equal(answer.headers.get('location'), 'https://new.example.com/chat');
    assert.equal(redirected.requests, 0, 'the backend of a redirect route was reached');
  });

  test('app-root: only a request for / gets 302 to the root; other paths are proxied', async () => {
    const root = await send(serve.httpPort, {
      path: '/?x=1',
      headers: { host: 'app.example.com' },
    });
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, 'http://app.example.com/app1');
    const before = app.requests;
    const other = await send(serve.httpPort, {
      path: '/app1',
      headers: { host: 'app.example.com' },
    });
    assert.equal(other.status, 200);
    assert.equal(parseEcho(other.body).url, '/app1');
    assert.equal(app.requests, before + 1);
  });

  test('upstream-vhost is the Host the backend sees; X-Forwarded-Host stays the client’s', async () => {
    const reply = await send(serve.httpPort, {
      path: '/v',
      headers: { host: 'vhost.example.com', 'x-tenant': 'blue' },
    });
    assert.equal(reply.status, 200);
    const echo = parseEcho(reply.body);
    assert.equal(echo.headers.host, 'blue.internal:8080');
    assert.equal(echo.headers['x-forwarded-host'], 'vhost.example.com');
  });

  test('x-forwarded-prefix replaces the client’s X-Forwarded-Prefix', async () => {
    const reply = await send(serve.httpPort, {
      path: '/api/users',
      headers: { host: 'prefix.example.com', 'x-forwarded-prefix': '/evil' },
    });
    assert.equal(reply.status, 200);
    const echo = parseEcho(reply.body);
    assert.equal(echo.headers['x-forwarded-prefix'], '/api');
    assert.equal(echo.rawHeaders.filter((h) => h.toLowerCase() === 'x-forwarded-prefix').length, 1);
  });

  test('over h2c: the redirect, app-root and upstream-vhost alike', async () => {
    const session = await h2Connect(serve.httpPort);
    try {
      const moved = await h2Request(session, { path: '/h2?q', authority: 'moved.example.com' });
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.location, 'https://new.example.com/h2?q');
      const root = await h2Request(session, { path: '/', authority: 'app.example.com' });
      assert.equal(root.status, 302);
      assert.equal(root.headers.location, 'http://app.example.com/app1');
      const vhost = await h2Request(session, {
        path: '/',
        authority: 'vhost.example.com',
        headers: { 'x-tenant': 'green' },
      });
      assert.equal(parseEcho(vhost.body.toString()).headers.host, 'green.internal:8080');
    } finally {
      session.close();
    }
    assert.equal(redirected.requests, 0);
  });

  test('explain says the route redirects, with its code', async () => {
    const explained = await explainJson(dir, 'http://moved.example.com/x');
    assert.match(
      String(explained['reason']),
      /redirects with 301 to https:\/\/new\.example\.com\$request_uri/,
    );
  });
});
