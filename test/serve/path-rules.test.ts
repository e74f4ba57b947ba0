// The path that is routed is the path that is forwarded (issue: security review). Host
// static.example.com routes only /public, to a backend that also holds /admin/secret.txt and
// resolves paths the way common frameworks do: it drops a fragment, reads `\` as `/`, decodes
// every escape (`%2F` included), strips `;parameters` and resolves dot segments. Every hostile
// target of the review goes through `pointsman serve` over HTTP/1.1 (raw bytes, origin and
// absolute form, and as a WebSocket upgrade), over h2c and over h2 with TLS, and through
// `pointsman explain`: the admin file never comes back, the backend never resolves a request
// to a path outside /public, and explain gives the status the proxy gave.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { explainJson } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'static.example.com';
const SECRET = 'ADMIN SECRET';

/** The review's findings and the targets around them; each is refused or stays under /public. */
const HOSTILE = [
  '/admin/secret.txt#/../../public/x',
  '/public/..%2fadmin/secret.txt',
  '/public/..%2Fadmin/secret.txt',
  '/public/..\\admin/secret.txt',
  '/public/..%5cadmin/secret.txt',
  '/public/..;/admin/secret.txt',
  '/public/%2e%2e/admin/secret.txt',
  '/public/%C0%AE%C0%AE/admin/secret.txt',
  '/public%2F..%2Fadmin/secret.txt',
  '/public/x/..%252F..%252Fadmin/secret.txt',
  '//public/../admin/secret.txt',
  '/public/./../admin/secret.txt?x=/public',
];

/** A backend that resolves a target as lax frameworks do, and says what it resolved. */
function resolveLikeAFramework(target: string): string {
  let path = (target.split('#')[0] ?? '').split('?')[0] ?? '';
  path = path.replaceAll('\\', '/');
  try {
    path = decodeURIComponent(path);
  } catch {
    return '/(undecodable)';
  }
  const out: string[] = [];
  for (const segment of path.split('/')) {
    const name = segment.split(';')[0] ?? '';
    if (name === '..') out.pop();
    else if (name !== '.' && name !== '') out.push(name);
  }
  return `/${out.join('/')}`;
}

describe('serve: a request reaches only the backend paths its rule routes', () => {
  let backend: Server;
  let serve: ServeProcess;
  let dir: string;
  const resolved: string[] = [];

  before(async () => {
    backend = createServer((req, res) => {
      const path = resolveLikeAFramework(req.url ?? '');
      resolved.push(path);
      if (req.headers.upgrade !== undefined) {
        res.writeHead(426).end(`no upgrade at ${path}`);
        return;
      }
      if (path === '/admin/secret.txt') res.writeHead(200).end(SECRET);
      else res.writeHead(200).end(`public page ${path}`);
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    dir = await manifestDir();
    const port = (backend.address() as AddressInfo).port;
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingress('static', HOST, { '/public': 'files' }),
      ...serviceWithEndpoints('files', [port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    backend.close();
  });

  const statuses = new Map<string, number>();

  test('HTTP/1.1, origin form: refused or routed as forwarded, never the admin file', async () => {
    for (const target of HOSTILE) {
      const raw = await sendRaw(
        serve.httpPort,
        `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
      );
      const response = parseRawResponse(raw);
      assert.ok([200, 400, 404].includes(response.status), `${target}: ${String(response.status)}`);
      assert.ok(!response.body.includes(SECRET), target);
      if (response.status === 200)
        assert.ok(response.body.includes('public page /public/'), target);
      if (response.status === 400) {
        assert.equal(response.headers.get('x-pointsman-error'), 'PM_ERR_BAD_PATH', target);
      }
      statuses.set(target, response.status);
    }
    const good = parseRawResponse(
      await sendRaw(
        serve.httpPort,
        `GET /public/a/../b HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
      ),
    );
    assert.equal(good.status, 200);
    assert.ok(good.body.includes('public page /public/b'), good.body);
  });

  test('HTTP/1.1, absolute form and WebSocket upgrades: the same answers', async () => {
    for (const target of HOSTILE) {
      const absolute = parseRawResponse(
        await sendRaw(
          serve.httpPort,
          `GET http://${HOST}${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
        ),
      );
      assert.equal(absolute.status, statuses.get(target), `absolute form ${target}`);
      const upgrade = parseRawResponse(
        await sendRaw(
          serve.httpPort,
          `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      // A routed upgrade reaches the backend, which declines it (426) after resolving the path.
      const expected = statuses.get(target) === 200 ? 426 : statuses.get(target);
      assert.equal(upgrade.status, expected, `upgrade ${target}`);
    }
  });

  test('HTTP/2 :path, cleartext and over TLS: the same answers', async () => {
    const sessions = [
      await h2Connect(serve.httpPort),
      await h2Connect(serve.httpsPort, { servername: HOST }),
    ];
    try {
      for (const session of sessions) {
        for (const target of HOSTILE) {
          const reply = await h2Request(session, { path: target, authority: HOST });
          assert.equal(reply.status, statuses.get(target), `h2 ${target}`);
          assert.ok(!reply.body.toString().includes(SECRET), target);
        }
      }
    } finally {
      for (const session of sessions) session.close();
    }
  });

  test('the backend never resolved a request outside /public', () => {
    assert.ok(resolved.length > 0);
    for (const path of resolved) assert.match(path, /^\/public(\/|$)/);
  });

  test('explain gives the status the proxy gave, for every target', async () => {
    for (const target of HOSTILE) {
      const explained = await explainJson(dir, `http://${HOST}${target}`);
      assert.equal(explained.status, statuses.get(target), `explain ${target}`);
    }
    const good = await explainJson(dir, `http://${HOST}/public/a/../b?q=1`);
    assert.equal(good.status, 200);
    assert.deepEqual(good['request'], {
      host: HOST,
      path: '/public/b',
      forwardPath: '/public/b?q=1',
    });
  });
});
