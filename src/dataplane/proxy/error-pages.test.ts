import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sealRouteTable, type ErrorPagesPolicy, type RouteTable } from '../../ir/index.ts';
import { buildTestTable } from '../../../test/helpers/route-table.ts';
import { compileRouteTable } from '../compile/index.ts';
import type { ProxyContext } from './context.ts';
import {
  ErrorPages,
  errorBackendOf,
  standInHeaders,
  withHeadersSet,
  type ErrorPageRequest,
} from './error-pages.ts';
import type { RequestRecord } from './request-record.ts';
import { routeRequest } from './route-request.ts';

const REQUEST: ErrorPageRequest = {
  method: 'GET',
  accept: 'application/json',
  requestUri: '/a?b=1',
  namespace: 'shop',
  ingressName: 'web',
  serviceName: 'api',
  servicePort: 'http',
  requestId: 'rid',
  hostHeader: 'shop.example.com',
  client: '10.0.0.1',
};

const ENDPOINT = [{ address: '10.0.0.9', port: 8080 }];

test('withHeadersSet replaces headers of the same name, in any case, and appends', () => {
  const out = withHeadersSet(
    ['Host', 'a', 'X-Code', '200', 'x-keep', '1', 'x-code', '201'],
    [['x-code', '503']],
  );
  assert.deepEqual(out, ['Host', 'a', 'x-keep', '1', 'x-code', '503']);
});

test('stand-in headers: X-Code 503 and the others, without X-Original-URI', () => {
  assert.deepEqual(standInHeaders(REQUEST), [
    ['x-code', '503'],
    ['x-format', 'application/json'],
    ['x-namespace', 'shop'],
    ['x-ingress-name', 'web'],
    ['x-service-name', 'api'],
    ['x-service-port', 'http'],
    ['x-request-id', 'rid'],
  ]);
  // nginx sends no header with an empty value.
  const bare = standInHeaders({ ...REQUEST, accept: undefined, namespace: '', ingressName: '' });
  assert.deepEqual(
    bare.map(([name]) => name),
    ['x-code', 'x-service-name', 'x-service-port', 'x-request-id'],
  );
});

test('intercepts lists upstream statuses unless relayed; handles only the proxy own errors', () => {
  const policy: ErrorPagesPolicy = { backend: 'errors', codes: [404, 502, 503] };
  const backend = {
    id: 'errors',
    namespace: 'shop',
    service: 'errors',
    port: 80,
    endpoints: ENDPOINT,
    problem: null,
  };
  const pages = new ErrorPages({} as ProxyContext, policy, backend, REQUEST);
  assert.equal(pages.intercepts(503), true);
  assert.equal(pages.intercepts(500), false);
  assert.equal(pages.handles('PM_ERR_NO_ENDPOINTS'), true);
  assert.equal(pages.handles('PM_ERR_UPSTREAM_CONNECT'), true);
  assert.equal(pages.handles('PM_ERR_UPSTREAM_TIMEOUT'), false, '504 is not listed');
  // 503 is listed, but these 503s are not about the upstream.
  assert.equal(pages.handles('PM_ERR_RATE_LIMITED'), false);
  assert.equal(pages.handles('PM_ERR_ACCESS_CONTROL_NOT_ENFORCED'), false);
  const relay = new ErrorPages(
    {} as ProxyContext,
    { ...policy, relayUpstream: true },
    backend,
    REQUEST,
  );
  assert.equal(relay.intercepts(503), false);
  assert.equal(relay.handles('PM_ERR_NO_ENDPOINTS'), true);
});

function fakeRecord(): RequestRecord {
  return { host: '', backend: null, noteMatch: () => undefined } as unknown as RequestRecord;
}

const standIn: ErrorPagesPolicy = { backend: 'errors', codes: [], standIn: true };

test('routeRequest: the default-backend stands in for a backend without endpoints', () => {
  const table = compileRouteTable(
    buildTestTable({
      routes: [
        { host: 'a.example.com', backend: 'empty', policies: { errorPages: standIn } },
        { host: 'b.example.com', backend: 'gone', policies: { errorPages: standIn } },
        { host: 'c.example.com', backend: 'up', policies: { errorPages: standIn } },
      ],
      backends: {
        empty: [],
        gone: { code: 'ServiceNotFound', message: 'gone' },
        up: ENDPOINT,
        errors: ENDPOINT,
      },
    }),
  );
  for (const host of ['a.example.com', 'b.example.com']) {
    const routed = routeRequest(table, { host, path: '/x', forwardPath: '/x' }, fakeRecord());
    assert.ok(typeof routed !== 'string' && routed.kind === 'proxy', host);
    assert.equal(routed.backend.id, 'errors');
    assert.notEqual(routed.standsInFor, undefined);
    assert.equal(routed.path, '/x');
  }
  const own = routeRequest(
    table,
    { host: 'c.example.com', path: '/', forwardPath: '/' },
    fakeRecord(),
  );
  assert.ok(typeof own !== 'string' && own.kind === 'proxy');
  assert.equal(own.backend.id, 'up');
  assert.equal(own.standsInFor, undefined);
});

test('routeRequest: a stand-in without endpoints does not stand in', () => {
  const table = compileRouteTable(
    buildTestTable({
      routes: [{ host: 'a.example.com', backend: 'empty', policies: { errorPages: standIn } }],
      backends: { empty: [], errors: [] },
    }),
  );
  const target = { host: 'a.example.com', path: '/', forwardPath: '/' };
  assert.equal(routeRequest(table, target, fakeRecord()), 'PM_ERR_NO_ENDPOINTS');
  assert.equal(errorBackendOf(table, standIn), null);
});

test('routeRequest: --default-backend-service without endpoints is a 404, as ingress-nginx', () => {
  const withGlobal = (endpoints: typeof ENDPOINT | []): RouteTable =>
    sealRouteTable({
      hosts: [],
      defaultBackend: { backend: 'fallback', namespace: 'infra', name: 'fallback', global: true },
      backends: [
        {
          id: 'fallback',
          namespace: 'infra',
          service: 'fallback',
          port: 80,
          endpoints,
          problem: null,
        },
      ],
      tls: [],
      defaultCertificate: null,
    });
  const target = { host: 'x.example.com', path: '/', forwardPath: '/' };
  const empty = compileRouteTable(withGlobal([]));
  assert.equal(routeRequest(empty, target, fakeRecord()), 'PM_ERR_NO_ROUTE');
  const ready = compileRouteTable(withGlobal(ENDPOINT));
  const routed = routeRequest(ready, target, fakeRecord());
  assert.ok(typeof routed !== 'string' && routed.kind === 'proxy');
  assert.equal(routed.backend.id, 'fallback');
});
