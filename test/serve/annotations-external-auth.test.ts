// auth-url and the annotations that go with it, and --global-auth-url, through `pointsman serve`
// against a small oauth2-proxy-like auth server: the whole sign-in flow with real requests
// (302 to the sign-in page with rd, the cookie, the backend seeing X-Auth-Request-User), the
// auth service down or answering 403 or an odd status, a WebSocket upgrade, the cache, and path
// tricks that must never reach the backend without a session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SESSION_COOKIE, startAuthServer, type AuthServer } from '../helpers/auth-server.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { ONE_WORKER, startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { closedPort } from '../helpers/closed-port.ts';

const a = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
const APP = 'app.example.com';
const PLAIN = 'plain.example.com';
const DOWN = 'down.example.com';
const ODD = 'odd.example.com';
const SLOW = 'slow.example.com';
const CACHED = 'cached.example.com';
const GLOBAL = 'global.example.com';
const OPEN = 'open.example.com';
const BROKEN = 'broken.example.com';
const CURL = 'curl.example.com';

describe('serve: external authentication (auth-url, --global-auth-url)', () => {
  let auth: AuthServer;
  let app: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    auth = await startAuthServer();
    app = await startEchoUpstream('app');
    const authUrl = `http://127.0.0.1:${String(auth.port)}`;
    const dead = `http://127.0.0.1:${String(await closedPort())}`;
    const dir = await manifestDir();
    const ingress = (
      name: string,
      host: string,
      annotations: Record<string, string>,
      path = '/',
      service = 'app',
    ): object => ingressWith({ name, hosts: [host], paths: [{ path, service }], annotations });
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingress('app', APP, {
        [a('auth-url')]: `${authUrl}/oauth2/auth`,
        [a('auth-signin')]: 'http://$host/oauth2/start',
        [a('auth-response-headers')]: 'X-Auth-Request-User, X-Auth-Request-Email',
      }),
      // The auth service's own pages, unprotected, as oauth2-proxy is usually exposed.
      ingress('oauth2', APP, { [a('enable-global-auth')]: 'false' }, '/oauth2', 'oauth2'),
      ingress('plain', PLAIN, {
        [a('auth-url')]: `${authUrl}/oauth2/auth?refresh=1`,
        [a('auth-method')]: 'POST',
        [a('auth-response-headers')]: 'X-Auth-Request-User, X-Auth-Request-Groups',
      }),
      ingress('down', DOWN, { [a('auth-url')]: `${dead}/oauth2/auth` }),
      ingress('odd', ODD, { [a('auth-url')]: `${authUrl}/status/418` }),
      ingress('slow', SLOW, {
        [a('auth-url')]: `${authUrl}/hang`,
        [a('proxy-connect-timeout')]: '1',
        [a('proxy-read-timeout')]: '1',
      }),
      ingress('cached', CACHED, {
        [a('auth-url')]: `${authUrl}/oauth2/auth`,
        [a('auth-cache-key')]: `$cookie_${SESSION_COOKIE}`,
        [a('auth-cache-duration')]: '202 401 10m',
      }),
      ingress('curl', CURL, {
        [a('auth-url')]: `${authUrl}/oauth2/auth`,
        [a('auth-signin')]: 'http://$http_host/oauth2/start',
        [a('auth-response-headers')]: 'X-Auth-Request-User',
      }),
      ingress('curl-oauth2', CURL, { [a('enable-global-auth')]: 'false' }, '/oauth2', 'oauth2'),
      ingress('self', 'localhost', {
        [a('auth-url')]: `http://$host:${String(auth.port)}/oauth2/auth`,
        [a('auth-response-headers')]: 'X-Auth-Request-User',
      }),
      ingress('global', GLOBAL, {}),
      ingress('open', OPEN, { [a('enable-global-auth')]: 'false' }),
      // An ACME HTTP-01 solver's Ingress: no-auth-locations keeps it reachable.
      ingress('acme', GLOBAL, {}, '/.well-known/acme-challenge/token'),
      ingress('broken', BROKEN, {
        [a('auth-url')]: `${authUrl}/oauth2/auth`,
        [a('auth-snippet')]: 'proxy_set_header X-Team shop;',
      }),
      ...serviceWithEndpoints('app', [app.port]),
      ...serviceWithEndpoints('oauth2', [auth.port]),
    ]);
    serve = await startServeProcess('serve', [
      // One process: the auth cache is per worker (docs/workers.md), and these counts are exact.
      ...ONE_WORKER,
      '--manifests',
      dir,
      '--global-auth-url',
      `${authUrl}/oauth2/auth`,
      '--global-auth-response-headers',
      'X-Auth-Request-User',
      '--h2c',
    ]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([auth.close(), app.close()]);
  });

  const get = (host: string, path = '/', headers: Record<string, string> = {}) =>
    send(serve.httpPort, { path, headers: { host, ...headers } });
  const session = (user: string) => ({ cookie: `${SESSION_COOKIE}=user-${user}` });

  test('the sign-in flow: 302 with rd, the cookie, then the backend sees the user', async () => {
    const before = app.requests;
    const first = await get(APP, '/admin/page?x=1');
    assert.equal(first.status, 302);
    assert.equal(
      first.headers.location,
      `http://${APP}/oauth2/start?rd=http://${APP}%2Fadmin%2Fpage%3Fx%3D1`,
    );
    // Signing in goes through the proxy to the auth service's unprotected /oauth2 path.
    const signin = new URL(first.headers.location ?? '');
    const start = await get(APP, `${signin.pathname}${signin.search}`);
    assert.equal(start.status, 302);
    assert.equal(start.headers.location, `http://${APP}/admin/page?x=1`);
    const cookie = (start.headers['set-cookie'] ?? [])[0]?.split(';')[0] ?? '';
    assert.equal(cookie, `${SESSION_COOKIE}=user-alice`);
    assert.equal(app.requests, before, 'nothing reached the backend before signing in');
    const retry = await get(APP, '/admin/page?x=1', {
      cookie,
      'x-auth-request-email': 'forged@example.com',
    });
    assert.equal(retry.status, 200);
    const echo = parseEcho(retry.body);
    assert.equal(echo.headers['x-auth-request-user'], 'alice');
    assert.equal(echo.headers['x-auth-request-email'], 'alice@example.com');
    // What the auth service was told (ingress-nginx's auth location headers).
    const check = auth.lastCheck ?? {};
    assert.equal(auth.lastCheckMethod, 'GET');
    assert.equal(check['x-original-url'], `http://${APP}/admin/page?x=1`);
    assert.equal(check['x-original-method'], 'GET');
    assert.equal(check['x-sent-from'], 'nginx-ingress-controller');
    assert.equal(check['x-real-ip'], '127.0.0.1');
    assert.equal(check['x-forwarded-for'], '127.0.0.1');
    assert.equal(check['x-auth-request-redirect'], '/admin/page?x=1');
    assert.equal(check.host, '127.0.0.1');
    assert.equal(check.cookie, cookie);
    assert.equal(check['content-length'], undefined);
  });

  test('curl follows the whole flow with a cookie jar and lands on the backend', async () => {
    const jarDir = await mkdtemp(join(tmpdir(), 'pointsman-auth-'));
    try {
      const jar = join(jarDir, 'jar');
      const port = String(serve.httpPort);
      const { stdout } = await promisify(execFile)('curl', [
        '-sS',
        '--max-time',
        '10',
        '--max-redirs',
        '3',
        '-L',
        '-c',
        jar,
        '-b',
        jar,
        '--resolve',
        `${CURL}:${port}:127.0.0.1`,
        '-w',
        '\n%{http_code} %{num_redirects}',
        `http://${CURL}:${port}/docs/a?b=c`,
      ]);
      const [body = '', status] = stdout.split('\n');
      assert.equal(status, '200 2');
      const echo = parseEcho(body);
      assert.equal(echo.url, '/docs/a?b=c');
      assert.equal(echo.headers['x-auth-request-user'], 'alice');
    } finally {
      await rm(jarDir, { recursive: true, force: true });
    }
  });

  test('a header the auth answer lacks is removed, not taken from the client', async () => {
    const reply = await get(PLAIN, '/', {
      ...session('bob'),
      'x-auth-request-user': 'root',
      'x-auth-request-groups': 'admins',
    });
    assert.equal(reply.status, 200);
    const echo = parseEcho(reply.body);
    assert.equal(echo.headers['x-auth-request-user'], 'bob');
    assert.equal(echo.headers['x-auth-request-groups'], undefined);
    assert.equal(auth.lastCheckMethod, 'POST');
    assert.equal(auth.lastCheck?.['x-original-uri'], '/');
    assert.equal(auth.lastCheck['x-scheme'], 'http');
    // The auth Set-Cookie reaches the client on the backend's 200.
    assert.deepEqual(reply.headers['set-cookie'], ['refreshed=1; Path=/']);
    const anonymous = await get(PLAIN, '/', { 'x-auth-request-user': 'root' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="test"');
    assert.match(anonymous.body, /PM_ERR_AUTH_REQUIRED/);
  });

  test('403 from the auth service is answered 403; the backend is never reached', async () => {
    const before = app.requests;
    const reply = await get(APP, '/', { cookie: `${SESSION_COOKIE}=banned` });
    assert.equal(reply.status, 403);
    assert.match(reply.body, /PM_ERR_AUTH_FORBIDDEN/);
    assert.equal(app.requests, before);
  });

  test('the auth service down, slow or odd is a coded 500; the backend is never reached', async () => {
    const before = app.requests;
    const down = await get(DOWN, '/', session('alice'));
    assert.equal(down.status, 500);
    assert.match(down.body, /PM_ERR_AUTH_UNAVAILABLE/);
    const odd = await get(ODD, '/', session('alice'));
    assert.equal(odd.status, 500);
    assert.match(odd.body, /PM_ERR_AUTH_UNEXPECTED_STATUS/);
    const started = Date.now();
    const slow = await get(SLOW, '/', session('alice'));
    assert.equal(slow.status, 500);
    assert.match(slow.body, /PM_ERR_AUTH_UNAVAILABLE/);
    assert.ok(Date.now() - started < 5000, 'the route timeouts bound the auth request');
    assert.equal(app.requests, before);
  });

  test('a WebSocket upgrade to a protected path is refused without a session', async () => {
    const before = app.requests;
    const text = await sendRaw(
      serve.httpPort,
      `GET /chat HTTP/1.1\r\nHost: ${APP}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const reply = parseRawResponse(text);
    assert.equal(reply.status, 302);
    assert.match(reply.headers.get('location') ?? '', /\/oauth2\/start\?rd=/);
    assert.equal(app.requests, before);
  });

  test('HTTP/2 (h2c) requests meet the same check', async () => {
    const h2 = await h2Connect(serve.httpPort);
    try {
      const before = app.requests;
      const anonymous = await h2Request(h2, { path: '/x', authority: APP });
      assert.equal(anonymous.status, 302);
      assert.equal(anonymous.headers.location, `http://${APP}/oauth2/start?rd=http://${APP}%2Fx`);
      assert.equal(app.requests, before);
      const signedIn = await h2Request(h2, {
        path: '/x',
        authority: APP,
        headers: session('frank'),
      });
      assert.equal(signedIn.status, 200);
      const echo = parseEcho(signedIn.body.toString('utf8'));
      assert.equal(echo.headers['x-auth-request-user'], 'frank');
      assert.equal(auth.lastCheck?.['x-original-url'], `http://${APP}/x`);
    } finally {
      h2.close();
    }
  });

  test('path tricks never reach the backend without a session', async () => {
    const before = app.requests;
    const tricks = [
      '//admin',
      '/admin/../admin',
      '/oauth2/../admin',
      '/oauth2/%2e%2e/admin',
      '/%2e%2e/admin',
      '/OAUTH2/../admin',
      '/Admin',
      '/oauth2/..%2fadmin',
    ];
    for (const path of tricks) {
      const reply = await get(APP, path);
      assert.ok([302, 400, 404].includes(reply.status), `${path}: ${String(reply.status)}`);
      if (reply.status === 302) assert.match(reply.headers.location ?? '', /oauth2\/start\?rd=/);
    }
    assert.equal(app.requests, before);
  });

  test('auth-cache-key: one auth request per session while it is cached', async () => {
    const checks = auth.checks;
    for (let i = 0; i < 3; i++) {
      const reply = await get(CACHED, '/', session('carol'));
      assert.equal(reply.status, 200);
    }
    assert.equal(auth.checks, checks + 1);
    assert.equal((await get(CACHED, '/', session('dave'))).status, 200);
    assert.equal(auth.checks, checks + 2);
  });

  test('--global-auth-url protects Ingresses without auth-url, unless they opt out', async () => {
    const denied = await get(GLOBAL, '/');
    assert.equal(denied.status, 401);
    const allowed = await get(GLOBAL, '/', session('erin'));
    assert.equal(allowed.status, 200);
    assert.equal(parseEcho(allowed.body).headers['x-auth-request-user'], 'erin');
    const open = await get(OPEN, '/');
    assert.equal(open.status, 200);
    const acme = await get(GLOBAL, '/.well-known/acme-challenge/token');
    assert.equal(acme.status, 200);
    assert.equal((await get(GLOBAL, '/.well-known/acme-challenge/other')).status, 401);
  });

  test('auth-url with $host reaches the auth service under the request host', async () => {
    const reply = await get('localhost', '/', session('gina'));
    assert.equal(reply.status, 200);
    assert.equal(parseEcho(reply.body).headers['x-auth-request-user'], 'gina');
    assert.equal(auth.lastCheck?.host, 'localhost');
  });

  test('auth-snippet fails the Ingress closed', async () => {
    const reply = await get(BROKEN, '/', session('alice'));
    assert.equal(reply.status, 503);
    assert.match(reply.body, /PM_ERR_ACCESS_CONTROL_NOT_ENFORCED/);
  });
});
