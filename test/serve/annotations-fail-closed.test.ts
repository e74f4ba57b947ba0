// ingress-nginx annotations through `pointsman serve`, `routes` and `explain`: an Ingress that
// asks for access control pointsman does not enforce is never served open, and its paths do not
// fall through to another Ingress's less specific rule; unsupported and unknown annotations are
// reported while the Ingress is served; a canary takes only the requests its rules select, on
// the main route it attaches to, never on a protected one.
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
import { explainJson, runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'shop.example.com';

describe('serve: ingress-nginx annotations', () => {
  let site: EchoUpstream;
  let admin: EchoUpstream;
  let next: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    [site, admin, next] = await Promise.all([
      startEchoUpstream('site'),
      startEchoUpstream('admin'),
      startEchoUpstream('next'),
    ]);
    dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'site',
        hosts: [HOST],
        paths: [{ path: '/', service: 'site' }],
        annotations: {
          'nginx.ingress.kubernetes.io/mirror-target': 'http://mirror.example$request_uri',
          'nginx.ingress.kubernetes.io/rewrite_target': '/',
        },
        created: '2024-01-01T00:00:00Z',
      }),
      ingressWith({
        name: 'admin',
        hosts: [HOST],
        paths: [{ path: '/admin', service: 'admin' }],
        annotations: {
          'nginx.ingress.kubernetes.io/auth-type': 'basic',
          'nginx.ingress.kubernetes.io/auth-secret': 'admin-users',
        },
        created: '2024-01-02T00:00:00Z',
      }),
      ingressWith({
        name: 'site-canary',
        hosts: [HOST],
        paths: [{ path: '/', service: 'next' }],
        annotations: {
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
        },
        created: '2024-01-03T00:00:00Z',
      }),
      ...serviceWithEndpoints('site', [site.port]),
      ...serviceWithEndpoints('admin', [admin.port]),
      ...serviceWithEndpoints('next', [next.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([site.close(), admin.close(), next.close()]);
  });

  test('the protected paths answer 503 and never reach a backend, over HTTP/1.1 and h2c', async () => {
    for (const path of ['/admin', '/admin/', '/admin/users?id=1', '/x/../admin/y']) {
      const reply = await send(serve.httpPort, { path, headers: { host: HOST } });
      assert.equal(reply.status, 503, path);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
    }
    const session = await h2Connect(serve.httpPort);
    try {
      const reply = await h2Request(session, { path: '/admin/users', authority: HOST });
      assert.equal(reply.status, 503);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
    } finally {
      session.close();
    }
    assert.equal(admin.requests, 0, 'the protected backend was reached');
    // And nothing fell through to the older Ingress's `/`, not even with a ;parameter that a
    // servlet container would strip (`/admin;x/users` is `/admin/users` to Tomcat).
    const before = site.requests;
    await send(serve.httpPort, { path: '/admin/x', headers: { host: HOST } });
    const parameter = await send(serve.httpPort, {
      path: '/admin;x/users',
      headers: { host: HOST },
    });
    assert.equal(parameter.status, 400);
    assert.equal(parameter.headers['x-pointsman-error'], 'PM_ERR_BAD_PATH');
    assert.equal(site.requests, before);
  });

  test('the rest of the host is served; the canary takes only what its header asks for', async () => {
    for (let i = 0; i < 5; i++) {
      const reply = await send(serve.httpPort, { path: '/shop', headers: { host: HOST } });
      assert.equal(reply.status, 200);
      assert.equal(parseEcho(reply.body).name, 'site');
    }
    assert.equal(next.requests, 0);
    const asked = await send(serve.httpPort, {
      path: '/shop',
      headers: { host: HOST, 'x-canary': 'always' },
    });
    assert.equal(parseEcho(asked.body).name, 'next');
    // The protected route has no canary: the header changes nothing there.
    const guarded = await send(serve.httpPort, {
      path: '/admin',
      headers: { host: HOST, 'x-canary': 'always' },
    });
    assert.equal(guarded.status, 503);
    assert.equal(next.requests, 1);
  });

  test('routes and explain say which annotation does what', async () => {
    const routes = await runCli(['routes', '--manifests', dir]);
    assert.match(routes.stdout, /AccessControlNotEnforced/);
    // Basic authentication is honoured, but its Secret does not exist: it fails closed.
    assert.match(routes.stdout, /auth-secret: Secret default\/admin-users not found/);
    assert.match(routes.stdout, /mirror-target is not supported: requests are not mirrored/);
    assert.match(
      routes.stdout,
      /rewrite_target is not a known annotation; did you mean rewrite-target\?/,
    );
    assert.doesNotMatch(routes.stdout, /canary is not supported/);
    const explained = await explainJson(dir, `http://${HOST}/admin/users`);
    assert.equal(explained.status, 503);
    assert.match(String(explained['reason']), /PM_ERR_ACCESS_CONTROL_NOT_ENFORCED/);
    assert.match(
      String(explained['reason']),
      /auth-secret, nginx.ingress.kubernetes.io\/auth-type/,
    );
  });
});

describe('serve: fail closed on every path a request can take', () => {
  let open: EchoUpstream;
  let guarded: EchoUpstream;
  let serve: ServeProcess;
  const REGEX_HOST = 'regex.example.com';
  const PREFIXED_HOST = 'prefixed.example.com';

  before(async () => {
    [open, guarded] = await Promise.all([startEchoUpstream('open'), startEchoUpstream('guarded')]);
    const dir = await manifestDir();
    const guardedDefault = {
      ...(ingressWith({
        name: 'guarded-default',
        hosts: [],
        paths: [],
        // A list that cannot be read: access control that fails closed (a good one is enforced).
        annotations: { 'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8,bad' },
        created: '2024-01-01T00:00:00Z',
      }) as { spec: object }),
    };
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      {
        ...guardedDefault,
        spec: { defaultBackend: { service: { name: 'guarded', port: { number: 80 } } } },
      },
      ingressWith({
        name: 'open',
        hosts: [REGEX_HOST, PREFIXED_HOST],
        paths: [{ path: '/', service: 'open' }],
        created: '2024-01-02T00:00:00Z',
      }),
      // RE2 has no lookahead: the pattern is refused, and its literal start /admin/ is refused
      // in its place, so /admin/secret never reaches the open `/`.
      ingressWith({
        name: 'regex-guarded',
        hosts: [REGEX_HOST],
        paths: [
          { path: '/admin/(?!health).*', pathType: 'ImplementationSpecific', service: 'guarded' },
        ],
        annotations: {
          'nginx.ingress.kubernetes.io/use-regex': 'true',
          'nginx.ingress.kubernetes.io/auth-type': 'basic',
        },
        created: '2024-01-03T00:00:00Z',
      }),
      ingressWith({
        name: 'prefixed-guarded',
        hosts: [PREFIXED_HOST],
        paths: [{ path: '/admin', service: 'guarded' }],
        // auth-url is honoured; a URL it cannot use fails closed.
        annotations: { 'ingress.kubernetes.io/auth-url': 'ftp://auth.example.com/check' },
        created: '2024-01-04T00:00:00Z',
      }),
      ...serviceWithEndpoints('open', [open.port]),
      ...serviceWithEndpoints('guarded', [guarded.port]),
    ]);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--annotations-prefix',
      'ingress.kubernetes.io',
    ]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([open.close(), guarded.close()]);
  });

  test('a regex path RE2 refuses, a custom prefix, the default backend, an upgrade: all 503', async () => {
    const cases: [string, string][] = [
      [REGEX_HOST, '/admin/secret'],
      [REGEX_HOST, '/ADMIN/secret'],
      [PREFIXED_HOST, '/admin/users'],
      ['unknown.example.com', '/'],
    ];
    for (const [host, path] of cases) {
      const reply = await send(serve.httpPort, { path, headers: { host } });
      assert.equal(reply.status, 503, `${host}${path}`);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
    }
    const upgrade = parseRawResponse(
      await sendRaw(
        serve.httpPort,
        `GET /admin/users HTTP/1.1\r\nHost: ${PREFIXED_HOST}\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
    assert.equal(upgrade.status, 503);
    assert.equal(upgrade.headers.get('x-pointsman-error'), 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
    assert.equal(guarded.requests, 0, 'a guarded backend was reached');
    assert.equal(open.requests, 0, 'a guarded path fell through to the open `/`');
    const reply = await send(serve.httpPort, { path: '/shop', headers: { host: REGEX_HOST } });
    assert.equal(reply.status, 200);
    assert.equal(parseEcho(reply.body).name, 'open');
  });
});
