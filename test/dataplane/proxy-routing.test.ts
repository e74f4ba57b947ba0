// The proxy routes by host and path with the live table and spreads requests over endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TableHolder } from '../../src/dataplane/index.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send, sendRaw, parseRawResponse } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, holderWith, loopback } from '../helpers/route-table.ts';

describe('routing through the proxy', () => {
  const upstreams = new Map<string, EchoUpstream>();
  let proxy: RunningProxy;

  before(async () => {
    for (const name of ['default', 'exact', 'wild', 'api', 'apiv2', 'login']) {
      upstreams.set(name, await startEchoUpstream(name));
    }
    const at = (name: string) => loopback(upstreams.get(name) as EchoUpstream);
    const tables = holderWith({
      routes: [
        { host: 'shop.example.com', path: '/', backend: 'exact' },
        { host: 'shop.example.com', path: '/api', backend: 'api' },
        { host: 'shop.example.com', path: '/api/v2', backend: 'apiv2' },
        { host: 'shop.example.com', path: '/login', match: 'Exact', backend: 'login' },
        { host: '*.example.com', path: '/', backend: 'wild' },
      ],
      defaultBackend: 'default',
      backends: {
        default: at('default'),
        exact: at('exact'),
        wild: at('wild'),
        api: at('api'),
        apiv2: at('apiv2'),
        login: at('login'),
      },
    });
    proxy = await startProxy({ tables });
  });

  after(async () => {
    await proxy.close();
    for (const upstream of upstreams.values()) await upstream.close();
  });

  for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
    test(`${method} reaches the default backend`, async () => {
      const body =
        method === 'POST' || method === 'PUT' || method === 'PATCH' ? 'hello' : undefined;
      const reply = await send(proxy.port, {
        method,
        path: '/some/where?x=1',
        headers: { host: 'unknown.test' },
        ...(body === undefined ? {} : { body }),
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], 'application/json');
      if (method === 'HEAD') {
        assert.equal(reply.body, '');
        return;
      }
      const echo = parseEcho(reply.body);
      assert.equal(echo.name, 'default');
      assert.equal(echo.method, method);
      assert.equal(echo.url, '/some/where?x=1');
      assert.equal(echo.headers.host, 'unknown.test');
      assert.equal(echo.bodyBytes, body?.length ?? 0);
    });
  }

  const cases: readonly (readonly [string, string, string])[] = [
    ['shop.example.com', '/', 'exact'],
    ['SHOP.example.com.:8080', '/cart', 'exact'],
    ['shop.example.com', '/api', 'api'],
    ['shop.example.com', '/api/orders', 'api'],
    ['shop.example.com', '/api/v2/orders', 'apiv2'],
    ['shop.example.com', '/apiv2', 'exact'],
    ['shop.example.com', '/login', 'login'],
    ['shop.example.com', '/login/again', 'exact'],
    ['a.example.com', '/x', 'wild'],
    ['a.b.example.com', '/x', 'default'],
    ['example.com', '/x', 'default'],
  ];
  for (const [host, path, expected] of cases) {
    test(`${host}${path} goes to ${expected}`, async () => {
      const reply = await send(proxy.port, { path, headers: { host } });
      assert.equal(reply.status, 200);
      assert.equal(parseEcho(reply.body).name, expected);
    });
  }

  test('the query string takes no part in matching and is forwarded byte for byte', async () => {
    const path = '/login?next=%2Fapi%2Fv2&a=%C3%A9&&b';
    const reply = await send(proxy.port, { path, headers: { host: 'shop.example.com' } });
    const echo = parseEcho(reply.body);
    assert.equal(echo.name, 'login');
    assert.equal(echo.url, path);
  });

  test('the upstream gets the normalised path it was routed by, and the query as sent', async () => {
    const cases: readonly (readonly [string, string, string])[] = [
      ['/login/../api/v2/x', 'apiv2', '/api/v2/x'],
      ['/%61pi/orders?a=/../b', 'api', '/api/orders?a=/../b'],
      ['//api//v2', 'apiv2', '/api/v2'],
      ['/api/./../login', 'login', '/login'],
      ['/caf%c3%a9', 'exact', '/caf%C3%A9'],
    ];
    for (const [path, expected, forwarded] of cases) {
      const reply = await send(proxy.port, { path, headers: { host: 'shop.example.com' } });
      const echo = parseEcho(reply.body);
      assert.equal(echo.name, expected, path);
      assert.equal(echo.url, forwarded, path);
    }
  });

  test('an encoded slash is refused with 400 PM_ERR_BAD_PATH, not routed', async () => {
    const reply = await send(proxy.port, {
      path: '/api%2Fv2',
      headers: { host: 'shop.example.com' },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_BAD_PATH');
  });

  test('an absolute-form target takes host and path from the target', async () => {
    const raw = await sendRaw(
      proxy.port,
      'GET http://shop.example.com/api/x?q=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n',
    );
    const response = parseRawResponse(raw);
    assert.equal(response.status, 200);
    const echo = parseEcho(response.body);
    assert.equal(echo.name, 'api');
    assert.equal(echo.url, '/api/x?q=1');
    assert.equal(echo.headers.host, 'shop.example.com');
  });

  test('OPTIONS * is answered by the proxy itself', async () => {
    const raw = await sendRaw(
      proxy.port,
      'OPTIONS * HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n',
    );
    const response = parseRawResponse(raw);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('allow') ?? '', /GET/);
  });
});

describe('round robin', () => {
  test('10 endpoints all get requests within 100 requests on fresh connections', async () => {
    const upstreams = await Promise.all(
      Array.from({ length: 10 }, (_, i) => startEchoUpstream(`e${i}`)),
    );
    const proxy = await startProxy({
      tables: holderWith({ defaultBackend: 'b', backends: { b: loopback(...upstreams) } }),
    });
    try {
      const seen = new Map<string, number>();
      for (let i = 0; i < 100; i++) {
        const reply = await send(proxy.port, { headers: { host: 'rr.test' } });
        const name = parseEcho(reply.body).name;
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      assert.equal(seen.size, 10);
      for (const count of seen.values()) assert.equal(count, 10);
    } finally {
      await proxy.close();
      await Promise.all(upstreams.map((upstream) => upstream.close()));
    }
  });
});

describe('answers without an upstream', () => {
  test('no table yet: 503 PM_ERR_NOT_READY', async () => {
    const proxy = await startProxy({ tables: new TableHolder() });
    try {
      const reply = await send(proxy.port, { headers: { host: 'a.test' } });
      assert.equal(reply.status, 503);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_NOT_READY');
    } finally {
      await proxy.close();
    }
  });

  test('no route: 404, no endpoints: 503, unresolved backend: 503', async () => {
    const tables = holderWith({
      routes: [
        { host: 'empty.test', backend: 'empty' },
        { host: 'missing.test', backend: 'missing' },
        { host: 'unready.test', backend: 'unready' },
      ],
      backends: {
        empty: [],
        missing: { code: 'ServiceNotFound', message: 'no such Service' },
        unready: { code: 'NoReadyEndpoints', message: 'none ready' },
      },
    });
    const proxy = await startProxy({ tables });
    try {
      const expectations = [
        ['nowhere.test', 404, 'PM_ERR_NO_ROUTE'],
        ['empty.test', 503, 'PM_ERR_NO_ENDPOINTS'],
        ['unready.test', 503, 'PM_ERR_NO_ENDPOINTS'],
        ['missing.test', 503, 'PM_ERR_BACKEND_UNRESOLVED'],
      ] as const;
      for (const [host, status, code] of expectations) {
        const reply = await send(proxy.port, { headers: { host } });
        assert.equal(reply.status, status, host);
        assert.equal(reply.headers['x-pointsman-error'], code, host);
        assert.ok(reply.headers['x-request-id'], 'error answers carry the request id');
      }
    } finally {
      await proxy.close();
    }
  });

  test('table swaps apply to the next request', async () => {
    const one = await startEchoUpstream('one');
    const two = await startEchoUpstream('two');
    const tables = holderWith({ defaultBackend: 'b', backends: { b: loopback(one) } });
    const proxy = await startProxy({ tables });
    try {
      assert.equal(parseEcho((await send(proxy.port)).body).name, 'one');
      tables.swap(buildTestTable({ defaultBackend: 'b', backends: { b: loopback(two) } }));
      assert.equal(parseEcho((await send(proxy.port)).body).name, 'two');
    } finally {
      await proxy.close();
      await one.close();
      await two.close();
    }
  });
});
