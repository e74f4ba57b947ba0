// load-balance and upstream-hash-by through `pointsman serve`: a key (a header) always reaches
// the same endpoint while another Ingress on the same Service keeps round robin, and ewma sends
// nearly every request to the endpoint that answers fast rather than the one that answers slow.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const STICKY = 'sticky.example.com';
const ROUND = 'round.example.com';
const EWMA = 'ewma.example.com';
const SLOW_MS = 200;

/** An upstream that answers `{"name":"slow"}` after SLOW_MS: its latency is what ewma sees. */
async function startSlowUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end(JSON.stringify({ name: 'slow' })), SLOW_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('serve: load-balance and upstream-hash-by', () => {
  let pool: EchoUpstream[];
  let fast: EchoUpstream;
  let slow: Server;
  let serve: ServeProcess;

  before(async () => {
    pool = await Promise.all(['e0', 'e1', 'e2', 'e3'].map((name) => startEchoUpstream(name)));
    fast = await startEchoUpstream('fast');
    slow = await startSlowUpstream();
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'sticky',
        hosts: [STICKY],
        paths: [{ path: '/', service: 'pool' }],
        annotations: {
          'nginx.ingress.kubernetes.io/upstream-hash-by': '$http_x_user',
          'nginx.ingress.kubernetes.io/load-balance': 'ewma',
        },
      }),
      ingressWith({ name: 'round', hosts: [ROUND], paths: [{ path: '/', service: 'pool' }] }),
      ingressWith({
        name: 'latency',
        hosts: [EWMA],
        paths: [{ path: '/', service: 'mixed' }],
        annotations: { 'nginx.ingress.kubernetes.io/load-balance': 'ewma' },
      }),
      ...serviceWithEndpoints(
        'pool',
        pool.map((upstream) => upstream.port),
      ),
      ...serviceWithEndpoints('mixed', [fast.port, (slow.address() as AddressInfo).port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([...pool, fast].map((upstream) => upstream.close()));
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  const answeredBy = async (host: string, headers: Record<string, string> = {}) => {
    const reply = await send(serve.httpPort, { path: '/', headers: { host, ...headers } });
    assert.equal(reply.status, 200);
    return (JSON.parse(reply.body) as { name: string }).name;
  };

  test('upstream-hash-by $http_x_user: each user always reaches the same endpoint', async () => {
    const endpointOf = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      for (let user = 0; user < 12; user++) {
        const name = await answeredBy(STICKY, { 'x-user': `user-${String(user)}` });
        const first = endpointOf.get(`user-${String(user)}`) ?? name;
        assert.equal(name, first, `user-${String(user)} moved in round ${String(round)}`);
        endpointOf.set(`user-${String(user)}`, name);
      }
    }
    // 12 users over 4 endpoints: the hash spreads them (never all on one).
    assert.ok(new Set(endpointOf.values()).size >= 2);
  });

  test('another Ingress on the same Service keeps round robin', async () => {
    const names = [];
    for (let i = 0; i < 8; i++) names.push(await answeredBy(ROUND, { 'x-user': 'user-1' }));
    assert.equal(new Set(names).size, 4);
  });

  test('load-balance ewma: the fast endpoint gets nearly every request', async () => {
    const names: string[] = [];
    for (let i = 0; i < 20; i++) names.push(await answeredBy(EWMA));
    const slowCount = names.filter((name) => name === 'slow').length;
    // Each endpoint may be tried once before its latency is known; after that, fast wins.
    assert.ok(slowCount <= 2, `slow answered ${String(slowCount)} of 20: ${names.join(',')}`);
  });
});
