import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sendUpstream } from '../../../test/helpers/upstream-exchange.ts';
import { sealRouteTable, type Endpoint } from '../../ir/index.ts';
import { compileRouteTable, type CompiledTable } from '../compile/index.ts';
import { endpointKey, endpointOrigin } from './origin.ts';
import { UpstreamPools } from './pools.ts';

const OPTIONS = {
  connectTimeoutMs: 1_000,
  responseHeadersTimeoutMs: 5_000,
  responseBodyTimeoutMs: 5_000,
  keepAliveTimeoutMs: 1_000,
  retireAfterMs: 1_000,
};

function tableWith(endpoints: readonly Endpoint[]): CompiledTable {
  return compileRouteTable(
    sealRouteTable({
      hosts: [],
      defaultBackend: null,
      backends: [{ id: 'b', namespace: 'n', service: 's', port: 80, endpoints, problem: null }],
    }),
  );
}

test('keys and origins put IPv6 addresses in brackets', () => {
  assert.equal(endpointKey({ address: '10.0.0.1', port: 80 }), '10.0.0.1:80');
  assert.equal(endpointKey({ address: 'fd00::1', port: 8080 }), '[fd00::1]:8080');
  assert.equal(endpointOrigin({ address: 'fd00::1', port: 8080 }), 'http://[fd00::1]:8080');
});

test('one pool per address:port, whatever endpoint object names it', async () => {
  const pools = new UpstreamPools(OPTIONS);
  const a = pools.dispatcher({ address: '127.0.0.1', port: 1 });
  assert.equal(pools.dispatcher({ address: '127.0.0.1', port: 1 }), a);
  assert.notEqual(pools.dispatcher({ address: '127.0.0.1', port: 2 }), a);
  assert.equal(pools.size, 2);
  await pools.close();
  assert.equal(pools.size, 0);
});

test('a pool is closed only after its endpoint has been gone for retireAfterMs', async () => {
  const pools = new UpstreamPools(OPTIONS);
  const kept = { address: '127.0.0.1', port: 1 };
  const gone = { address: '127.0.0.1', port: 2 };
  pools.dispatcher(kept);
  const old = pools.dispatcher(gone);
  const table = tableWith([kept]);
  assert.deepEqual(pools.sweep(table, 0), []);
  assert.deepEqual(pools.sweep(table, 999), []);
  assert.deepEqual(pools.sweep(table, 1_000), ['127.0.0.1:2']);
  assert.equal(pools.size, 1);
  assert.notEqual(pools.dispatcher(gone), old, 'a retired pool is replaced when needed again');
  assert.deepEqual(pools.sweep(table, 5_000), [], 'the endpoint is absent again, clock restarts');
  await pools.close();
});

test('an endpoint that comes back before the deadline keeps its pool', async () => {
  const pools = new UpstreamPools(OPTIONS);
  const endpoint = { address: '127.0.0.1', port: 3 };
  const pool = pools.dispatcher(endpoint);
  pools.sweep(tableWith([]), 0);
  pools.sweep(tableWith([endpoint]), 500);
  assert.deepEqual(pools.sweep(tableWith([]), 1_200), []);
  assert.equal(pools.dispatcher(endpoint), pool);
  await pools.close();
});

test('retiring a pool never cuts the request running on it', async () => {
  let finish: ((res: ServerResponse) => void) | undefined;
  const arrived = Promise.withResolvers<ServerResponse>();
  const server = createServer((_req, res) => {
    res.write('begun ');
    arrived.resolve(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = { address: '127.0.0.1', port: (server.address() as AddressInfo).port };
  const pools = new UpstreamPools(OPTIONS);
  try {
    const response = sendUpstream(pools.dispatcher(endpoint));
    const res = await arrived.promise;
    pools.sweep(tableWith([]), 0);
    assert.deepEqual(pools.sweep(tableWith([]), 1_000), [`127.0.0.1:${endpoint.port}`]);
    finish = (r) => r.end('and finished');
    finish(res);
    const { body } = await response;
    assert.equal(body, 'begun and finished');
  } finally {
    await pools.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
});
