import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AUTH_CLIENT_LIMITS, AuthClients } from './external-auth-client.ts';

test('an auth answer: status and every header value; reused connections; bounded', async (t) => {
  let connections = 0;
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.writeHead(req.url === '/deny' ? 401 : 202, { 'x-user': 'alice' });
    res.end(req.url === '/big' ? 'x'.repeat(100_000) : 'small');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const clients = new AuthClients();
  const call = { origin, method: 'GET', path: '/ok', headers: ['x-a', '1'], timeoutMs: 2000 };
  const first = await clients.send(call);
  assert.ok('status' in first);
  assert.equal(first.status, 202);
  assert.deepEqual(first.headers['set-cookie'], ['a=1', 'b=2']);
  assert.deepEqual(first.headers['x-user'], ['alice']);
  assert.equal(seen['x-a'], '1');
  const second = await clients.send({ ...call, path: '/deny' });
  assert.equal('status' in second && second.status, 401);
  for (let i = 0; i < 8; i++) await clients.send(call);
  // undici's Pool may open a second connection while the first is being released.
  assert.ok(connections <= 2, `10 auth requests took ${String(connections)} connections`);
  // A body past the bound is not read to the end: the answer stands, the connection goes.
  const big = await clients.send({ ...call, path: '/big' });
  assert.equal('status' in big && big.status, 202);
  await clients.close();
  assert.deepEqual(await clients.send(call), {
    failed: 'unavailable',
    reason: 'the proxy is closing',
  });
});

test('a closed port or a full queue is unavailable, never a throw', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const clients = new AuthClients({ ...AUTH_CLIENT_LIMITS, origins: 1 });
  const call = {
    origin: `http://127.0.0.1:${String(port)}`,
    method: 'GET',
    path: '/',
    headers: [],
    timeoutMs: 2000,
  };
  const refused = await clients.send(call);
  assert.equal('failed' in refused && refused.failed, 'unavailable');
  await clients.send({ ...call, origin: 'http://127.0.0.1:1' });
  assert.equal(clients.size, 1, 'past the bound, the oldest origin is closed');
  await clients.close();
  const full = new AuthClients({ ...AUTH_CLIENT_LIMITS, pending: 0 });
  assert.deepEqual(await full.send(call), {
    failed: 'unavailable',
    reason: 'too many auth requests waiting',
  });
  await full.close();
});
