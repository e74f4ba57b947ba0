// Canaries through `pointsman serve` with real requests: canary-by-header (always / never /
// another value), -value, -pattern (RE2), canary-by-cookie (always / never), the precedence
// header > cookie > weight, a canary only on the route it attaches to, a canary without
// endpoints leaving traffic on the main backend, a WebSocket upgrade, the main route's gates
// still applying, and a weighted split of 10,000 requests.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const A = 'nginx.ingress.kubernetes.io/';
const MAIN_CREATED = '2024-01-01T00:00:00Z';
const CANARY_CREATED = '2024-01-02T00:00:00Z';

/** A main Ingress (service prod) and a canary (service `service`) on `host`, path `/`. */
function pair(
  host: string,
  annotations: Record<string, string>,
  service = 'next',
  mainAnnotations: Record<string, string> = {},
): object[] {
  const name = host.split('.')[0] ?? host;
  return [
    ingressWith({
      name: `${name}-main`,
      hosts: [host],
      paths: [
        { path: '/', service: 'prod' },
        { path: '/other', service: 'prod' },
      ],
      annotations: mainAnnotations,
      created: MAIN_CREATED,
    }),
    ingressWith({
      name: `${name}-canary`,
      hosts: [host],
      paths: [{ path: '/', service }],
      annotations: { [`${A}canary`]: 'true', ...annotations },
      created: CANARY_CREATED,
    }),
  ];
}

describe('serve: canary', () => {
  let prod: EchoUpstream;
  let next: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    [prod, next] = await Promise.all([startEchoUpstream('prod'), startEchoUpstream('next')]);
    // Upgrades are answered 101 with the upstream's name, then closed.
    for (const upstream of [prod, next]) {
      upstream.server.on('upgrade', (_req, socket: import('node:net').Socket) => {
        socket.end(
          `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Upstream: ${upstream.name}\r\n\r\n`,
        );
      });
    }
    dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ...pair('header.example.com', { [`${A}canary-by-header`]: 'X-Canary' }),
      ...pair('value.example.com', {
        [`${A}canary-by-header`]: 'X-Version',
        [`${A}canary-by-header-value`]: 'v2',
      }),
      ...pair('pattern.example.com', {
        [`${A}canary-by-header`]: 'X-Version',
        [`${A}canary-by-header-pattern`]: '^v[0-9]+(-rc)?$',
      }),
      ...pair('cookie.example.com', { [`${A}canary-by-cookie`]: 'use_canary' }),
      ...pair('precedence.example.com', {
        [`${A}canary-by-header`]: 'X-Canary',
        [`${A}canary-by-cookie`]: 'use_canary',
        [`${A}canary-weight`]: '100',
      }),
      // No access log line for the 10,000 requests of the split: only the proxy is measured.
      ...pair('weight.example.com', { [`${A}canary-weight`]: '20' }, 'next', {
        [`${A}enable-access-log`]: 'false',
      }),
      ...pair('empty.example.com', { [`${A}canary-by-header`]: 'X-Canary' }, 'empty'),
      ...pair('guarded.example.com', { [`${A}canary-by-header`]: 'X-Canary' }, 'next', {
        [`${A}denylist-source-range`]: '127.0.0.0/8',
      }),
      ...serviceWithEndpoints('prod', [prod.port]),
      ...serviceWithEndpoints('next', [next.port]),
      ...serviceWithEndpoints('empty', []),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([prod.close(), next.close()]);
  });

  /** Which upstream answered a GET of `path` on `host` with these headers. */
  const answeredBy = async (
    host: string,
    headers: Record<string, string> = {},
    path = '/',
  ): Promise<string> => {
    const reply = await send(serve.httpPort, { path, headers: { host, ...headers } });
    assert.equal(reply.status, 200, `${host}${path} ${JSON.stringify(headers)}: ${reply.body}`);
    return parseEcho(reply.body).name;
  };

  test('canary-by-header: always and never decide; another value or none stays on main', async () => {
    const host = 'header.example.com';
    assert.equal(await answeredBy(host, { 'x-canary': 'always' }), 'next');
    assert.equal(await answeredBy(host, { 'X-CANARY': 'always' }), 'next');
    assert.equal(await answeredBy(host, { 'x-canary': 'never' }), 'prod');
    assert.equal(await answeredBy(host, { 'x-canary': 'Always' }), 'prod');
    assert.equal(await answeredBy(host, { 'x-canary': 'yes' }), 'prod');
    assert.equal(await answeredBy(host), 'prod');
    // nginx ignores a header spelt with `_`; so does the canary rule.
    assert.equal(await answeredBy(host, { x_canary: 'always' }), 'prod');
    // The canary attaches to `/` only: the main Ingress's /other route is not a canary's.
    assert.equal(await answeredBy(host, { 'x-canary': 'always' }, '/other/x'), 'prod');
    assert.equal(await answeredBy(host, { 'x-canary': 'always' }, '/deep/path?q=1'), 'next');
  });

  test('canary-by-header-value: that exact value only', async () => {
    const host = 'value.example.com';
    assert.equal(await answeredBy(host, { 'x-version': 'v2' }), 'next');
    assert.equal(await answeredBy(host, { 'x-version': 'v20' }), 'prod');
    assert.equal(await answeredBy(host, { 'x-version': 'always' }), 'prod');
    assert.equal(await answeredBy(host), 'prod');
  });

  test('canary-by-header-pattern: an RE2 match, case-sensitive', async () => {
    const host = 'pattern.example.com';
    assert.equal(await answeredBy(host, { 'x-version': 'v7' }), 'next');
    assert.equal(await answeredBy(host, { 'x-version': 'v12-rc' }), 'next');
    assert.equal(await answeredBy(host, { 'x-version': 'V7' }), 'prod');
    assert.equal(await answeredBy(host, { 'x-version': 'v7-beta' }), 'prod');
    assert.equal(await answeredBy(host), 'prod');
  });

  test('canary-by-cookie: always and never decide; other values stay on main', async () => {
    const host = 'cookie.example.com';
    assert.equal(await answeredBy(host, { cookie: 'a=1; use_canary=always' }), 'next');
    assert.equal(await answeredBy(host, { cookie: 'use_canary=never' }), 'prod');
    assert.equal(await answeredBy(host, { cookie: 'use_canary=maybe' }), 'prod');
    assert.equal(await answeredBy(host, { cookie: 'other_canary=always' }), 'prod');
    assert.equal(await answeredBy(host), 'prod');
  });

  test('precedence: header, then cookie, then weight', async () => {
    const host = 'precedence.example.com';
    const both = { 'x-canary': 'never', cookie: 'use_canary=always' };
    assert.equal(await answeredBy(host, both), 'prod', 'the header wins over the cookie');
    assert.equal(
      await answeredBy(host, { 'x-canary': 'other', cookie: 'use_canary=always' }),
      'next',
      'another header value goes on to the cookie',
    );
    assert.equal(await answeredBy(host, { cookie: 'use_canary=never' }), 'prod', 'cookie > weight');
    for (let i = 0; i < 5; i++) assert.equal(await answeredBy(host), 'next', 'weight 100');
  });

  test('a canary without ready endpoints leaves every request on the main backend', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(await answeredBy('empty.example.com', { 'x-canary': 'always' }), 'prod');
    }
  });

  test("the main route's gates come first: a denied client never reaches the canary", async () => {
    const before = next.requests;
    const reply = await send(serve.httpPort, {
      headers: { host: 'guarded.example.com', 'x-canary': 'always', 'x-forwarded-for': '8.8.8.8' },
    });
    assert.equal(reply.status, 403);
    assert.equal(next.requests, before);
  });

  test('a WebSocket upgrade goes where the canary rules say', async () => {
    const upgrade = (extra: string): Promise<string> =>
      sendRaw(
        serve.httpPort,
        `GET /ws HTTP/1.1\r\nHost: header.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${extra}\r\n`,
      );
    assert.match(await upgrade('X-Canary: always\r\n'), /^HTTP\/1\.1 101[^]*x-upstream: next/im);
    assert.match(await upgrade(''), /^HTTP\/1\.1 101[^]*x-upstream: prod/im);
  });

  test('routes lists each canary with its rules', async () => {
    const routes = await runCli(['routes', '--manifests', dir]);
    assert.match(
      routes.stdout,
      /^value\.example\.com +\/ +default\/value-canary +next:80 +1 +header x-version = v2$/m,
    );
    assert.match(
      routes.stdout,
      /^weight\.example\.com +\/ +default\/weight-canary .* weight 20\/100$/m,
    );
    assert.match(routes.stdout, /^empty\.example\.com +\/ +default\/empty-canary +empty:80 +0 /m);
  });

  test('canary-weight 20: 10,000 requests split within a 5-sigma binomial bound', async (t) => {
    // X ~ Binomial(n = 10,000, p = 0.2): mean 2,000, sigma = sqrt(n p (1 - p)) = 40. Five sigma
    // (1,800..2,200) is left with probability about 6e-7, so the test does not flake; a weight
    // read wrong (10 or 30: mean 1,000 or 3,000, 25 sigma away) always fails it. The boundary
    // of the draw (an integer 1..100 at most the weight) is checked exactly in the unit tests
    // (canary-choice.test.ts), where the randomness is injected.
    const total = 10_000;
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const counts = new Map<string, number>();
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < total) {
        sent++;
        const reply = await send(serve.httpPort, {
          headers: { host: 'weight.example.com' },
          agent,
        });
        assert.equal(reply.status, 200);
        const name = parseEcho(reply.body).name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    };
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: 16 }, worker));
    } finally {
      agent.destroy();
    }
    t.diagnostic(`upstream connections ${String(prod.connections + next.connections)}`);
    const canary = counts.get('next') ?? 0;
    assert.equal(canary + (counts.get('prod') ?? 0), total);
    assert.ok(
      canary >= 1_800 && canary <= 2_200,
      `canary took ${String(canary)} of ${String(total)}`,
    );
    t.diagnostic(
      `canary ${String(canary)}/${String(total)} in ${String(Math.round(performance.now() - started))} ms`,
    );
  });
});
