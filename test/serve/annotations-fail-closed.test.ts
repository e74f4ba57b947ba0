// ingress-nginx annotations through `pointsman serve`, `routes` and `explain`: an Ingress that
// asks for access control pointsman does not enforce is never served open, and its paths do not
// fall through to another Ingress's less specific rule; unsupported and unknown annotations are
// reported while the Ingress is served; a canary's own routes are not served.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, parseEcho, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { explainJson, runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'shop.example.com';

function annotated(
  name: string,
  paths: Record<string, string>,
  annotations: Record<string, string>,
  created: string,
): object {
  const base = ingress(name, HOST, paths) as { metadata: Record<string, unknown> };
  return {
    ...base,
    metadata: { ...base.metadata, annotations, creationTimestamp: created },
  };
}

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
      annotated(
        'site',
        { '/': 'site' },
        {
          'nginx.ingress.kubernetes.io/affinity': 'cookie',
          'nginx.ingress.kubernetes.io/rewrite_target': '/',
        },
        '2024-01-01T00:00:00Z',
      ),
      annotated(
        'admin',
        { '/admin': 'admin' },
        {
          'nginx.ingress.kubernetes.io/auth-type': 'basic',
          'nginx.ingress.kubernetes.io/auth-secret': 'admin-users',
        },
        '2024-01-02T00:00:00Z',
      ),
      annotated(
        'site-canary',
        { '/': 'next' },
        { 'nginx.ingress.kubernetes.io/canary': 'true' },
        '2024-01-03T00:00:00Z',
      ),
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
    // And nothing fell through to the older Ingress's `/`.
    const before = site.requests;
    await send(serve.httpPort, { path: '/admin/x', headers: { host: HOST } });
    assert.equal(site.requests, before);
  });

  test('the rest of the host is served; the canary takes no traffic', async () => {
    for (let i = 0; i < 5; i++) {
      const reply = await send(serve.httpPort, { path: '/shop', headers: { host: HOST } });
      assert.equal(reply.status, 200);
      assert.equal(parseEcho(reply.body).name, 'site');
    }
    assert.equal(next.requests, 0);
  });

  test('routes and explain say which annotation does what', async () => {
    const routes = await runCli(['routes', '--manifests', dir]);
    assert.match(routes.stdout, /AccessControlNotEnforced/);
    assert.match(routes.stdout, /auth-type asks for access control/);
    assert.match(routes.stdout, /affinity is not supported: no sticky sessions/);
    assert.match(
      routes.stdout,
      /rewrite_target is not a known annotation; did you mean rewrite-target\?/,
    );
    assert.match(routes.stdout, /canary is not supported/);
    const explained = await explainJson(dir, `http://${HOST}/admin/users`);
    assert.equal(explained.status, 503);
    assert.match(String(explained['reason']), /PM_ERR_ACCESS_CONTROL_NOT_ENFORCED/);
    assert.match(
      String(explained['reason']),
      /auth-secret, nginx.ingress.kubernetes.io\/auth-type/,
    );
  });
});
