// limit-rpm / limit-rps / limit-burst-multiplier / limit-connections / limit-allowlist through
// `pointsman serve`: requests over the burst get 503 PM_ERR_RATE_LIMITED (one zone per Ingress,
// per client address, a forged X-Forwarded-For from an untrusted peer changes nothing);
// requests in flight over limit-connections get --limit-conn-status-code; the slot comes back
// however the request ends (answered, client gone, upstream refused).
import assert from 'node:assert/strict';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { once } from 'node:events';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send, type Reply } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'shop.example.com';
const A = 'nginx.ingress.kubernetes.io/';

/** An upstream that holds every request until the test lets it go, and tells when one arrives or is torn down. */
interface HoldingUpstream {
  readonly port: number;
  readonly held: ServerResponse[];
  arrived(): Promise<IncomingMessage>;
  releaseAll(): void;
  close(): Promise<void>;
}

async function startHoldingUpstream(): Promise<HoldingUpstream> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    held.push(res);
    server.emit('held', req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    arrived: async () => {
      const [req] = (await once(server, 'held')) as [IncomingMessage];
      return req;
    },
    releaseAll: () => {
      for (const res of held.splice(0)) if (!res.destroyed) res.end('done');
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

describe('serve: rate and connection limits', () => {
  let site: EchoUpstream;
  let slow: HoldingUpstream;
  let serve: ServeProcess;
  const get = (path: string, headers: Record<string, string> = {}): Promise<Reply> =>
    send(serve.httpPort, { path, headers: { host: HOST, ...headers } });
  /** Sends to /slow and waits until the upstream holds it; fails if the proxy answers instead. */
  const heldRequest = async (): Promise<{ readonly reply: Promise<Reply> }> => {
    const arrived = slow.arrived();
    const reply = get('/slow');
    const first = await Promise.race([
      arrived.then(() => 'held'),
      reply.then((answer) => `answered ${String(answer.status)}`),
    ]);
    assert.equal(first, 'held');
    // Wrapped: an async function returning the promise itself would wait for it.
    return { reply };
  };

  before(async () => {
    site = await startEchoUpstream('site');
    slow = await startHoldingUpstream();
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'limited',
        hosts: [HOST],
        // Two paths of one Ingress: one zone, as ingress-nginx names zones per Ingress.
        paths: [
          { path: '/a', service: 'site' },
          { path: '/b', service: 'site' },
        ],
        // One a minute: the burst (2) is all a test run can spend, whatever the machine's speed.
        annotations: { [`${A}limit-rpm`]: '1', [`${A}limit-burst-multiplier`]: '2' },
      }),
      ingressWith({
        name: 'other',
        hosts: [HOST],
        paths: [{ path: '/other', service: 'site' }],
        annotations: { [`${A}limit-rpm`]: '1', [`${A}limit-burst-multiplier`]: '0' },
      }),
      ingressWith({
        name: 'both-listeners',
        hosts: [HOST],
        paths: [{ path: '/both', service: 'site' }],
        annotations: { [`${A}limit-rpm`]: '1', [`${A}limit-burst-multiplier`]: '1' },
      }),
      ingressWith({
        name: 'exempt',
        hosts: [HOST],
        paths: [{ path: '/exempt', service: 'site' }],
        annotations: {
          [`${A}limit-rpm`]: '1',
          [`${A}limit-burst-multiplier`]: '0',
          [`${A}limit-whitelist`]: '127.0.0.0/8',
        },
      }),
      ingressWith({
        name: 'slow',
        hosts: [HOST],
        paths: [{ path: '/slow', service: 'slow' }],
        annotations: { [`${A}limit-connections`]: '1' },
      }),
      ingressWith({
        name: 'down',
        hosts: [HOST],
        paths: [{ path: '/down', service: 'down' }],
        annotations: { [`${A}limit-connections`]: '1' },
      }),
      ingressWith({
        name: 'bad',
        hosts: [HOST],
        paths: [{ path: '/bad', service: 'site' }],
        annotations: { [`${A}limit-rps`]: 'lots' },
      }),
      ...serviceWithEndpoints('site', [site.port]),
      ...serviceWithEndpoints('slow', [slow.port]),
      // Nothing listens there: every attempt is refused (502).
      ...serviceWithEndpoints('down', [1]),
    ]);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--bind',
      '127.0.0.1',
      '--limit-conn-status-code',
      '429',
      '--h2c',
    ]);
  });

  after(async () => {
    await serve.stop();
    slow.releaseAll();
    await Promise.all([site.close(), slow.close()]);
  });

  test("burst + 1 requests pass, then 503 PM_ERR_RATE_LIMITED across the Ingress's paths", async () => {
    const statuses: number[] = [];
    for (const path of ['/a', '/b', '/a']) statuses.push((await get(path)).status);
    assert.deepEqual(statuses, [200, 200, 200]);
    for (const path of ['/a', '/b']) {
      const reply = await get(path);
      assert.equal(reply.status, 503, path);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_RATE_LIMITED');
    }
    // A forged X-Forwarded-For from an untrusted peer is not a new client.
    const forged = await get('/a', { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(forged.status, 503);
    // Another Ingress has its own zone.
    assert.equal((await get('/other')).status, 200);
    assert.equal((await get('/other')).status, 503);
  });

  test('HTTP and HTTPS count in one zone, as ingress-nginx zones span every server', async () => {
    const overHttps = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: serve.httpsPort,
            path: '/both',
            servername: HOST,
            headers: { host: HOST },
            rejectUnauthorized: false,
            agent: false,
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              resolve(response.statusCode ?? 0);
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    // A burst of 1: two requests pass, whichever listener they come through.
    assert.equal((await get('/both')).status, 200);
    assert.equal(await overHttps(), 200);
    assert.equal((await get('/both')).status, 503);
    assert.equal(await overHttps(), 503);
  });

  test('limit-allowlist (limit-whitelist) exempts its networks', async () => {
    for (let i = 0; i < 10; i++) {
      const reply = await get('/exempt');
      assert.equal(reply.status, 200);
      assert.equal(parseEcho(reply.body).name, 'site');
    }
  });

  test('a bad limit value fails closed', async () => {
    const reply = await get('/bad');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
  });

  test('limit-connections: one in flight; the next gets 429; the slot comes back when it ends', async () => {
    const { reply: first } = await heldRequest();
    const second = await get('/slow');
    assert.equal(second.status, 429);
    assert.equal(second.headers['x-pointsman-error'], 'PM_ERR_CONNECTION_LIMITED');
    slow.releaseAll();
    assert.equal((await first).status, 200);
    // Released when answered: the next one is let through (and held again).
    const { reply: third } = await heldRequest();
    slow.releaseAll();
    assert.equal((await third).status, 200);
  });

  test('the slot comes back when the client goes away mid-request', async () => {
    const arrived = slow.arrived();
    const aborted = request({
      host: '127.0.0.1',
      port: serve.httpPort,
      path: '/slow',
      headers: { host: HOST },
      agent: false,
    });
    aborted.on('error', () => undefined);
    aborted.end();
    const upstreamRequest = await arrived;
    upstreamRequest.on('error', () => undefined);
    const torn = new Promise((resolve) => upstreamRequest.once('close', resolve));
    aborted.destroy();
    // The proxy tears the upstream request down once it has seen the client go.
    await torn;
    const { reply: after } = await heldRequest();
    slow.releaseAll();
    assert.equal((await after).status, 200);
  });

  test('over h2c, each stream in flight counts and its slot comes back when it ends', async () => {
    const session = await h2Connect(serve.httpPort);
    try {
      const arrived = slow.arrived();
      const first = h2Request(session, { path: '/slow', authority: HOST });
      const which = await Promise.race([
        arrived.then(() => 'held'),
        first.then((reply) => `answered ${String(reply.status)}`),
      ]);
      assert.equal(which, 'held');
      const second = await h2Request(session, { path: '/slow', authority: HOST });
      assert.equal(second.status, 429);
      assert.equal(second.headers['x-pointsman-error'], 'PM_ERR_CONNECTION_LIMITED');
      slow.releaseAll();
      assert.equal((await first).status, 200);
      for (let i = 0; i < 3; i++) {
        const down = await h2Request(session, { path: '/down', authority: HOST });
        assert.equal(down.status, 502, `attempt ${String(i)}`);
      }
    } finally {
      await h2Close(session);
    }
  });

  test('the slot comes back when the upstream fails', async () => {
    for (let i = 0; i < 4; i++) {
      const reply = await get('/down');
      assert.equal(reply.status, 502, `attempt ${String(i)}`);
    }
  });
});
