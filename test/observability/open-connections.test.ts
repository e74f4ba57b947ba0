// pointsman_open_connections by protocol: HTTP/2 connections (h2 by ALPN on an HTTPS listener,
// h2c with prior knowledge on a cleartext one) count as h2, beside the HTTP/1.1 keep-alive
// connections on the same ports, with real clients.
import assert from 'node:assert/strict';
import { Agent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { TLS_DEFAULTS, httpsServerOptions } from '../../src/dataplane/index.ts';
import { Metrics } from '../../src/observability/index.ts';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { send } from '../helpers/http-client.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus-text.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, loopback, tlsTables } from '../helpers/route-table.ts';
import { until } from '../helpers/until.ts';

const HOST = 'echo.example.com';

describe('open connections by protocol', () => {
  let echo: EchoUpstream;
  let h2c: RunningProxy;
  let https: RunningProxy;
  let metrics: Metrics;

  before(async () => {
    echo = await startEchoUpstream('echo');
    const { tables, store } = tlsTables();
    tables.swap(
      buildTestTable({
        routes: [{ host: HOST, backend: 'echo' }],
        backends: { echo: loopback(echo) },
      }),
    );
    h2c = await startProxy({ tables, http2: true });
    https = await startProxy({
      tables,
      proto: 'https',
      tls: httpsServerOptions(store, TLS_DEFAULTS),
      http2: true,
    });
    metrics = new Metrics({ processMetrics: false, upstreamConnects: false });
    metrics.trackListener('http', () => h2c.proxy.stats());
    metrics.trackListener('https', () => https.proxy.stats());
  });

  after(async () => {
    metrics.close();
    await Promise.all([h2c.close(), https.close()]);
    await echo.close();
  });

  async function gauge(listener: string, protocol: string): Promise<number | undefined> {
    const samples = parsePrometheus(await metrics.text());
    return sampleValue(samples, 'pointsman_open_connections', { listener, protocol });
  }

  async function counts(listener: string): Promise<Record<string, number | undefined>> {
    return {
      'http/1.1': await gauge(listener, 'http/1.1'),
      h2: await gauge(listener, 'h2'),
      upgrade: await gauge(listener, 'upgrade'),
    };
  }

  /** Polls (bounded) until the server side has seen every client connection close. */
  async function settled(proxy: RunningProxy): Promise<void> {
    await until(() => proxy.proxy.stats().connections === 0);
  }

  test('h2c on the cleartext listener: h2 = 1, the HTTP/1.1 count unchanged', async () => {
    await settled(h2c);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await send(h2c.port, { headers: { host: HOST }, agent })).status, 200);
      assert.deepEqual(await counts('http'), { 'http/1.1': 1, h2: 0, upgrade: 0 });
      const session = await h2Connect(h2c.port);
      try {
        assert.equal((await h2Request(session, { authority: HOST })).status, 200);
        assert.deepEqual(await counts('http'), { 'http/1.1': 1, h2: 1, upgrade: 0 });
      } finally {
        await h2Close(session);
      }
      await until(() => h2c.proxy.stats().http2Sessions === 0);
      assert.deepEqual(await counts('http'), { 'http/1.1': 1, h2: 0, upgrade: 0 });
    } finally {
      agent.destroy();
    }
  });

  test('h2 by ALPN on the HTTPS listener: h2 = 1, the HTTP/1.1 count unchanged', async () => {
    await settled(https);
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    try {
      // Node's HTTPS client offers no ALPN, so the listener speaks HTTP/1.1 with it.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: https.port, servername: HOST, headers: { host: HOST }, agent },
          (res: IncomingMessage) => {
            res.resume();
            res.once('end', () => {
              resolve(res.statusCode);
            });
          },
        );
        req.once('error', reject);
        req.end();
      });
      assert.equal(status, 200);
      assert.deepEqual(await counts('https'), { 'http/1.1': 1, h2: 0, upgrade: 0 });
      const session = await h2Connect(https.port, { servername: HOST });
      try {
        assert.equal(session.alpnProtocol, 'h2');
        assert.equal((await h2Request(session, { authority: HOST })).status, 200);
        assert.deepEqual(await counts('https'), { 'http/1.1': 1, h2: 1, upgrade: 0 });
      } finally {
        await h2Close(session);
      }
    } finally {
      agent.destroy();
    }
  });
});
