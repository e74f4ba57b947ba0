// `serve --workers 2`: limit-rpm and limit-connections are counted once for the controller, not
// once per worker. Every request goes on a new connection, which the kernel gives to either
// worker; counted per worker, a client would get about twice each limit.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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
import { until } from '../helpers/until.ts';

const HOST = 'shop.example.com';
const A = 'nginx.ingress.kubernetes.io/';
/** limit-rpm 1 with a burst multiplier of 9: a client's first 10 requests pass, then 503. */
const BURST = 9;

/** One GET on a new connection (which the kernel gives to either worker): its status. */
async function getFresh(port: number, path: string): Promise<number> {
  return (await send(port, { path, headers: { host: HOST, connection: 'close' } })).status;
}

let site: EchoUpstream;
let serve: ServeProcess;
const held: ServerResponse[] = [];
const holding = createServer((_req, res) => {
  held.push(res);
});

before(async () => {
  site = await startEchoUpstream('site');
  await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve));
  const dir = await manifestDir();
  await writeManifests(join(dir, 'all.yaml'), [
    INGRESS_CLASS,
    ingressWith({
      name: 'rated',
      hosts: [HOST],
      paths: [{ path: '/rated', service: 'site' }],
      annotations: { [`${A}limit-rpm`]: '1', [`${A}limit-burst-multiplier`]: String(BURST) },
    }),
    ingressWith({
      name: 'held',
      hosts: [HOST],
      paths: [{ path: '/held', service: 'holding' }],
      annotations: { [`${A}limit-connections`]: '1' },
    }),
    ...serviceWithEndpoints('site', [site.port]),
    ...serviceWithEndpoints('holding', [(holding.address() as AddressInfo).port]),
  ]);
  serve = await startServeProcess('serve', [
    '--manifests',
    dir,
    '--bind',
    '127.0.0.1',
    '--workers',
    '2',
    '--limit-conn-status-code',
    '429',
  ]);
  const pids = serve.logs.filter((entry) => entry['msg'] === 'worker listening');
  assert.equal(pids.length, 2, 'two workers listen');
});

after(async () => {
  for (const res of held.splice(0)) res.end('done');
  assert.equal(await serve.stop(), 0);
  holding.closeAllConnections();
  await new Promise<void>((resolve) => {
    holding.close(() => {
      resolve();
    });
  });
  await site.close();
  assert.equal(
    serve.logs.filter((entry) => String(entry['msg']).startsWith('shared limits unreachable'))
      .length,
    0,
    'every request was counted in the shared limits',
  );
});

test('limit-rpm: burst + 1 requests pass over both workers together, not per worker', async () => {
  const statuses = await Promise.all(
    Array.from({ length: 40 }, () => getFresh(serve.httpPort, '/rated')),
  );
  const passed = statuses.filter((status) => status === 200).length;
  const refused = statuses.filter((status) => status === 503).length;
  // Counted per worker, each worker would let its own 10 through (about 20 in all).
  assert.equal(passed, BURST + 1, `statuses: ${statuses.join(' ')}`);
  assert.equal(refused, 40 - BURST - 1);
  assert.equal(site.requests, BURST + 1);
});

test('limit-connections 1: while one request is held, every worker refuses the next', async () => {
  const first = getFresh(serve.httpPort, '/held');
  await until(() => held.length === 1);
  const others = await Promise.all(
    Array.from({ length: 12 }, () => getFresh(serve.httpPort, '/held')),
  );
  // Counted per worker, the other worker would pass about half of these to the upstream.
  assert.deepEqual(others, Array<number>(12).fill(429));
  assert.equal(held.length, 1);
  held.splice(0).forEach((res) => res.end('done'));
  assert.equal(await first, 200);
  // The slot came back in the shared count: the next request on either worker passes.
  const next = getFresh(serve.httpPort, '/held');
  await until(() => held.length === 1);
  held.splice(0).forEach((res) => res.end('done'));
  assert.equal(await next, 200);
});
