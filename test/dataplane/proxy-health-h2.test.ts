// Passive health over HTTP/2 upstreams (backend-protocol H2C): the HTTP/2 client raises its
// timeouts as the proxy's own errors, and they must still count against the endpoint.
import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { TableHolder, createResilience, type HealthEvent } from '../../src/dataplane/index.ts';
import { sealRouteTable } from '../../src/ir/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { send } from '../helpers/http-client.ts';
import { startProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable } from '../helpers/route-table.ts';

const servers: Http2Server[] = [];
after(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
});

/** An h2c server on loopback that answers 200, or never answers at all. */
async function h2cServer(answers: boolean): Promise<number> {
  const server = createServer((_req, res) => {
    if (answers) res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('h2c endpoints that never answer are ejected for timeouts; clients see only 200', async () => {
  const ports = [await h2cServer(false), await h2cServer(true), await h2cServer(false)];
  ports.push(await h2cServer(true));
  const base = buildTestTable({
    routes: [{ backend: 'grpc', policies: { readTimeoutMs: 300 } }],
    backends: { grpc: ports.map((port) => ({ address: '127.0.0.1', port })) },
  });
  const tables = new TableHolder();
  tables.swap(
    sealRouteTable({
      ...base,
      backends: base.backends.map((backend) => ({ ...backend, protocol: 'H2C' as const })),
    }),
  );
  const events: HealthEvent[] = [];
  const resilience = createResilience({
    logger: silentLogger(),
    onEvent: (event) => events.push(event),
  });
  const proxy = await startProxy({ tables, resilience });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      statuses.push((await send(proxy.port, { headers: { host: 'h2c.test' } })).status);
    }
    assert.deepEqual(new Set(statuses), new Set([200]), 'each timeout was retried elsewhere');
    const ejected = events.filter((event) => event.type === 'ejected');
    const hung = [ports[0], ports[2]].map((port) => [`127.0.0.1:${String(port)}`, 'timeout']);
    assert.deepEqual(ejected.map((event) => [event.endpoint, event.reason]).sort(), hung.sort());
  } finally {
    await proxy.close(100);
  }
});
