// server-alias and from-to-www-redirect through `pointsman serve`: an alias is served like its
// host, an alias that is another Ingress's host stays that host's, and the www twin of a host
// answers 308 to it, over HTTP/1.1 and HTTP/2.
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
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

describe('serve: host aliases and www redirects', () => {
  let shop: EchoUpstream;
  let other: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    [shop, other] = await Promise.all([startEchoUpstream('shop'), startEchoUpstream('other')]);
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'shop',
        hosts: ['shop.example.com'],
        paths: [{ path: '/', service: 'shop' }],
        annotations: {
          'nginx.ingress.kubernetes.io/server-alias':
            'shop.example.org,*.shop.example.net,other.example.com',
          'nginx.ingress.kubernetes.io/from-to-www-redirect': 'true',
        },
      }),
      ingressWith({
        name: 'other',
        hosts: ['other.example.com'],
        paths: [{ path: '/', service: 'other' }],
        created: '2024-02-01T00:00:00Z',
      }),
      ...serviceWithEndpoints('shop', [shop.port]),
      ...serviceWithEndpoints('other', [other.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([shop.close(), other.close()]);
  });

  test('aliases are served like their host; a host of its own is not taken over', async () => {
    const hosts: [string, string][] = [
      ['shop.example.com', 'shop'],
      ['shop.example.org', 'shop'],
      ['a.shop.example.net', 'shop'],
      ['other.example.com', 'other'],
    ];
    for (const [host, backend] of hosts) {
      const reply = await send(serve.httpPort, { path: '/x', headers: { host } });
      assert.equal(reply.status, 200, host);
      assert.equal(parseEcho(reply.body).name, backend, host);
      assert.equal(parseEcho(reply.body).headers.host, host, 'the alias is sent as Host');
    }
  });

  test('the www twin redirects to the host with 308, path and query kept', async () => {
    const before = shop.requests;
    const reply = await send(serve.httpPort, {
      path: '/cart/?id=1',
      headers: { host: 'www.shop.example.com' },
    });
    assert.equal(reply.status, 308);
    assert.equal(reply.headers.location, 'http://shop.example.com/cart/?id=1');
    const session = await h2Connect(serve.httpPort);
    try {
      const h2 = await h2Request(session, { path: '/a', authority: 'www.shop.example.com' });
      assert.equal(h2.status, 308);
      assert.equal(h2.headers.location, 'http://shop.example.com/a');
    } finally {
      session.close();
    }
    assert.equal(shop.requests, before, 'a redirect never reaches the backend');
  });
});
