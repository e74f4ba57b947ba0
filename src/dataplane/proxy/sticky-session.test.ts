import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import type { AffinityPolicy, Backend, Endpoint, PathRoute } from '../../ir/index.ts';
import { PolicyBalancer } from '../balancer/index.ts';
import { defaultCookiePath, sameSiteNoneCompatible, sessionSetCookie } from './session-cookie.ts';
import {
  sessionBackendOf,
  stickyBackendOf,
  stickyChoiceFor,
  stickyChoiceOf,
  type StickyRequest,
} from './sticky-session.ts';

const endpoints: Endpoint[] = [1, 2, 3].map((host) => ({
  address: `10.0.0.${String(host)}`,
  port: 80,
}));
const backend: Backend = {
  id: 'ns/web:80',
  namespace: 'ns',
  service: 'web',
  port: 80,
  endpoints,
  problem: null,
};
const policy: AffinityPolicy = {
  mode: 'balanced',
  canaryBehavior: 'sticky',
  cookieName: 'INGRESSCOOKIE',
};

function route(
  affinity: AffinityPolicy = policy,
  path = '/app',
  match: PathRoute['match'] = 'Prefix',
): PathRoute {
  return {
    path,
    match,
    declaredPathType: 'Prefix',
    backend: backend.id,
    source: { namespace: 'ns', name: 'web', rule: 0, path: 0 },
    sslRedirect: false,
    policies: { affinity },
  };
}

const request = (cookie?: string): StickyRequest => ({
  cookie,
  userAgent: undefined,
  https: false,
  nowMs: Date.UTC(2026, 0, 1),
});

function valueOf(setCookie: string | undefined): string {
  const match = /^INGRESSCOOKIE=([^;]+);/.exec(setCookie ?? '');
  assert.ok(match !== null, setCookie);
  return match[1] as string;
}

test('no cookie: a new session, set on the answer; its cookie then keeps the endpoint', () => {
  const balancer = new PolicyBalancer();
  const first = stickyChoiceFor(balancer, backend, route(), request());
  assert.ok(first !== undefined);
  const cookie = first.setCookie();
  assert.match(cookie ?? '', /^INGRESSCOOKIE=[\w-]{22}\.[\w-]{8}; Path=\/app; HttpOnly$/);
  for (let i = 0; i < 20; i++) {
    const next = stickyChoiceFor(
      balancer,
      backend,
      route(),
      request(`a=b; INGRESSCOOKIE=${valueOf(cookie)}`),
    );
    assert.ok(next !== undefined);
    assert.deepEqual(next.endpoint, first.endpoint);
    assert.equal(next.setCookie(), undefined);
  }
  assert.equal(
    stickyChoiceFor(balancer, { ...backend, endpoints: [] }, route(), request()),
    undefined,
  );
});

test('a tampered cookie is no session: a new one is set', () => {
  const balancer = new PolicyBalancer();
  const persistent = route({ ...policy, mode: 'persistent' });
  const first = stickyChoiceFor(balancer, backend, persistent, request());
  const value = valueOf(first?.setCookie());
  const tampered = `${value.slice(0, 5)}${value[5] === 'x' ? 'y' : 'x'}${value.slice(6)}`;
  const next = stickyChoiceFor(balancer, backend, persistent, request(`INGRESSCOOKIE=${tampered}`));
  assert.notEqual(next?.setCookie(), undefined);
  const garbage = stickyChoiceFor(balancer, backend, route(), request('INGRESSCOOKIE=10.0.0.1:80'));
  assert.notEqual(garbage?.setCookie(), undefined);
});

test('retry: to the cookie endpoint again; with change-on-failure to a new session', () => {
  const balancer = new PolicyBalancer();
  const value = valueOf(stickyChoiceFor(balancer, backend, route(), request())?.setCookie());
  const kept = stickyChoiceFor(balancer, backend, route(), request(`INGRESSCOOKIE=${value}`));
  assert.ok(kept !== undefined);
  const tried = new Set([`${kept.endpoint.address}:80`]);
  assert.deepEqual(kept.retryEndpoint(tried), kept.endpoint);
  assert.equal(kept.setCookie(), undefined);
  const changing = route({ ...policy, changeOnFailure: true });
  const moved = stickyChoiceFor(balancer, backend, changing, request(`INGRESSCOOKIE=${value}`));
  assert.ok(moved !== undefined);
  const next = moved.retryEndpoint(tried);
  assert.ok(next !== undefined && next.address !== moved.endpoint.address);
  const set = valueOf(moved.setCookie());
  const after = stickyChoiceFor(balancer, backend, changing, request(`INGRESSCOOKIE=${set}`));
  assert.deepEqual(after?.endpoint, next);
  // No endpoint left: the proxy's retry rules decide.
  const all = new Set(endpoints.map((e) => `${e.address}:80`));
  assert.equal(moved.retryEndpoint(all), undefined);
});

test('a request without a session gets a new one on retry, avoiding the failed endpoint', () => {
  const balancer = new PolicyBalancer();
  const choice = stickyChoiceFor(balancer, backend, route(), request());
  assert.ok(choice !== undefined);
  const tried = new Set([`${choice.endpoint.address}:80`]);
  const next = choice.retryEndpoint(tried);
  assert.ok(next !== undefined && next.address !== choice.endpoint.address);
  const after = stickyChoiceFor(
    balancer,
    backend,
    route(),
    request(`INGRESSCOOKIE=${valueOf(choice.setCookie())}`),
  );
  assert.deepEqual(after?.endpoint, next);
});

test('the response edit adds Set-Cookie after the route edit', () => {
  const balancer = new PolicyBalancer();
  const choice = stickyChoiceFor(balancer, backend, route(), request());
  const edit = choice?.responseEdit((_status, headers) => [
    ...headers.map((h) => (typeof h === 'string' ? h : [...h])),
    'x-a',
    '1',
  ]);
  const out = edit?.(200, ['set-cookie', ['up=1']]) ?? [];
  assert.deepEqual(out.slice(0, 4), ['set-cookie', ['up=1'], 'x-a', '1']);
  assert.equal(out[4], 'set-cookie');
  assert.match(String(out[5]), /^INGRESSCOOKIE=/);
});

test('all the attributes; Secure on HTTPS; conditional SameSite=None', () => {
  const full: AffinityPolicy = {
    ...policy,
    cookieName: 'route',
    path: '/shop',
    domain: 'example.com',
    maxAgeSeconds: 3600,
    expiresSeconds: 60,
    sameSite: 'None',
    conditionalSameSiteNone: true,
  };
  const at = request();
  assert.equal(
    sessionSetCookie(full, route(), 'v', at),
    'route=v; Expires=Thu, 01 Jan 2026 00:01:00 GMT; Max-Age=3600; Domain=example.com; Path=/shop; HttpOnly; SameSite=None',
  );
  const chrome60 = 'Mozilla/5.0 (X11) AppleWebKit/537.36 Chrome/60.0.3112.113 Safari/537.36';
  assert.doesNotMatch(
    sessionSetCookie(full, route(), 'v', { ...at, userAgent: chrome60 }),
    /SameSite/,
  );
  const unconditional: AffinityPolicy = { ...policy, sameSite: 'None' };
  assert.match(
    sessionSetCookie(unconditional, route(), 'v', {
      ...at,
      userAgent: chrome60,
    }),
    /SameSite=None/,
  );
  assert.match(
    sessionSetCookie({ ...full, sameSite: 'Lax' }, route(), 'v', { ...at, userAgent: chrome60 }),
    /SameSite=Lax$/,
  );
  assert.match(
    sessionSetCookie(policy, route(), 'v', { ...at, https: true }),
    /; Secure; HttpOnly$/,
  );
  assert.match(
    sessionSetCookie({ ...policy, secure: true }, route(), 'v', at),
    /; Secure; HttpOnly$/,
  );
});

test('user agents that mishandle SameSite=None', () => {
  const bad = [
    'Mozilla/5.0 (Windows NT 10.0) Chrome/51.0.2704.103 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15',
    'Mozilla/5.0 (iPad; CPU OS 12_1 like Mac OS X)',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Safari/605.1.15',
  ];
  for (const ua of bad) assert.equal(sameSiteNoneCompatible(ua), false, ua);
  const good = [
    undefined,
    'curl/8.0',
    'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Version/17.0 Safari/605.1.15',
  ];
  for (const ua of good) assert.equal(sameSiteNoneCompatible(ua), true, ua);
});

test('the default Path: the route path; a regex path by its literal start', () => {
  assert.equal(defaultCookiePath(route(policy, '/app')), '/app');
  assert.equal(defaultCookiePath(route(policy, '/')), '/');
  assert.equal(defaultCookiePath(route(policy, '/app(/|$)(.*)', 'Regex')), '/');
  assert.equal(defaultCookiePath(route(policy, '/api/v[0-9]+/items', 'Regex')), '/api/');
  assert.equal(defaultCookiePath(route(policy, '/plain/path', 'Regex')), '/plain/path');
  assert.equal(defaultCookiePath(route(policy, '/a;b', 'Prefix')), '/');
  assert.equal(defaultCookiePath(route(policy, '/é', 'Prefix')), '/');
  assert.equal(defaultCookiePath(null), '/');
});

test('a canary keeps the clients it served, unless legacy; main sessions stay on main', () => {
  const balancer = new PolicyBalancer();
  const canary: Backend = { ...backend, id: 'ns/web-canary:80' };
  const backends = { main: backend, canary };
  const onCanary = valueOf(stickyChoiceFor(balancer, canary, route(), request())?.setCookie());
  const onMain = valueOf(stickyChoiceFor(balancer, backend, route(), request())?.setCookie());
  const cookie = (value: string): string => `INGRESSCOOKIE=${value}`;
  assert.equal(sessionBackendOf(balancer, policy, true, backends, cookie(onCanary)), 'canary');
  assert.equal(sessionBackendOf(balancer, policy, false, backends, cookie(onCanary)), undefined);
  assert.equal(sessionBackendOf(balancer, policy, true, backends, cookie(onMain)), 'main');
  assert.equal(sessionBackendOf(balancer, policy, false, backends, cookie(onMain)), 'main');
  assert.equal(sessionBackendOf(balancer, policy, true, backends, cookie('x')), undefined);
  assert.equal(sessionBackendOf(balancer, policy, true, backends, undefined), undefined);
  assert.equal(sessionBackendOf(balancer, undefined, true, backends, cookie(onCanary)), undefined);
});

test('stickyBackendOf: the backend of the session when the route has a ready canary', () => {
  const balancer = new PolicyBalancer();
  const canaryBackend: Backend = { ...backend, id: 'ns/web-canary:80' };
  const table = { backend: (id: string) => (id === canaryBackend.id ? canaryBackend : undefined) };
  const withCanary = (legacy: boolean): PathRoute => ({
    ...route(),
    canary: {
      backend: canaryBackend.id,
      source: { namespace: 'ns', name: 'c' },
      weight: 50,
      weightTotal: 100,
      ...(legacy ? { affinityCanaryBehavior: 'legacy' as const } : {}),
    },
  });
  const onCanary = stickyChoiceFor(balancer, canaryBackend, route(), request())?.setCookie();
  const cookie = `INGRESSCOOKIE=${valueOf(onCanary)}`;
  assert.equal(stickyBackendOf(balancer, withCanary(false), backend, table, cookie), canaryBackend);
  assert.equal(stickyBackendOf(balancer, withCanary(true), backend, table, cookie), undefined);
  assert.equal(stickyBackendOf(balancer, route(), backend, table, cookie), undefined);
  const empty = { backend: () => ({ ...canaryBackend, endpoints: [] }) };
  assert.equal(stickyBackendOf(balancer, withCanary(false), backend, empty, cookie), undefined);
  // A legacy canary picks without sticky sessions; a sticky one with them.
  const req = new IncomingMessage(new Socket());
  assert.equal(stickyChoiceOf(balancer, canaryBackend, withCanary(true), req, false), undefined);
  assert.notEqual(
    stickyChoiceOf(balancer, canaryBackend, withCanary(false), req, false),
    undefined,
  );
  assert.notEqual(stickyChoiceOf(balancer, backend, withCanary(true), req, false), undefined);
});

test('fuzz: any Cookie header gives a session, never a throw', () => {
  const balancer = new PolicyBalancer();
  const good = valueOf(stickyChoiceFor(balancer, backend, route(), request())?.setCookie());
  const pieces = ['INGRESSCOOKIE', '=', ';', ' ', '"', good, good.slice(3), '.', '\u0000', 'é'];
  let seed = 9;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (const mode of ['balanced', 'persistent'] as const) {
    for (let i = 0; i < 5000; i++) {
      const cookie = Array.from({ length: next() % 8 }, () => pieces[next() % pieces.length]).join(
        '',
      );
      const choice = stickyChoiceFor(
        balancer,
        backend,
        route({ ...policy, mode }),
        request(cookie),
      );
      assert.ok(choice !== undefined && endpoints.includes(choice.endpoint));
    }
  }
});
