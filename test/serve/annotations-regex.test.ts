// use-regex and rewrite-target through `pointsman serve`, as ingress-nginx serves them: one
// Ingress with a rewrite puts its host in regex mode, so the other Ingress's paths on that
// host match as case-insensitive regular expressions anchored at the start, the longest first;
// the rewritten path (and the query) is what the backend receives; explain says the same.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { explainJson } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'shop.example.com';

describe('serve: regex paths and rewrite-target', () => {
  let upstreams: EchoUpstream[];
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    upstreams = await Promise.all(['web', 'static', 'api'].map((name) => startEchoUpstream(name)));
    const [web, statics, api] = upstreams as [EchoUpstream, EchoUpstream, EchoUpstream];
    dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'site',
        hosts: [HOST],
        paths: [
          { path: '/', service: 'web' },
          { path: '/static', service: 'static' },
        ],
      }),
      ingressWith({
        name: 'api',
        hosts: [HOST],
        paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'api' }],
        annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' },
        created: '2024-01-02T00:00:00Z',
      }),
      ...serviceWithEndpoints('web', [web.port]),
      ...serviceWithEndpoints('static', [statics.port]),
      ...serviceWithEndpoints('api', [api.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });

  const cases: readonly (readonly [string, string, string])[] = [
    ['/api/users?id=1', 'api', '/users?id=1'],
    ['/API/Users/7', 'api', '/Users/7'],
    ['/api', 'api', '/'],
    ['/api/a/../b?x=1&y=2', 'api', '/b?x=1&y=2'],
    ['/apix', 'web', '/apix'],
    ['/STATIC/app.js', 'static', '/STATIC/app.js'],
    ['/staticfoo', 'static', '/staticfoo'],
    ['/cart', 'web', '/cart'],
  ];

  test('HTTP/1.1: the backend and the upstream path of each request', async () => {
    for (const [path, backend, upstreamPath] of cases) {
      const reply = await send(serve.httpPort, { path, headers: { host: HOST } });
      assert.equal(reply.status, 200, path);
      const echo = parseEcho(reply.body);
      assert.equal(echo.name, backend, path);
      assert.equal(echo.url, upstreamPath, path);
    }
  });

  test('HTTP/2: the same rewrite', async () => {
    const session = await h2Connect(serve.httpPort);
    try {
      const reply = await h2Request(session, { path: '/api/v2/items?page=3', authority: HOST });
      assert.equal(reply.status, 200);
      const echo = parseEcho(reply.body.toString());
      assert.equal(echo.name, 'api');
      assert.equal(echo.url, '/v2/items?page=3');
    } finally {
      session.close();
    }
  });

  test('explain shows the regex, the captures and the rewritten path', async () => {
    for (const [path, , upstreamPath] of cases) {
      const explained = await explainJson(dir, `http://${HOST}${path}`);
      assert.equal(explained.status, 200, path);
      assert.equal((explained['request'] as { forwardPath: string }).forwardPath, upstreamPath);
    }
    const api = await explainJson(dir, `http://${HOST}/api/users`);
    assert.equal(api.path, '/api(/|$)(.*)');
    assert.deepEqual(api['captures'], ['/api/users', '/', 'users']);
  });
});
