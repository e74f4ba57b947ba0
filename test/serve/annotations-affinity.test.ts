// Sticky sessions (affinity: cookie) through `pointsman serve`, with curl and cookie jars: the
// first answer sets the cookie with its attributes, a session stays on its endpoint, moves (with
// a new cookie) when the manifests drop that endpoint, and a tampered cookie counts as none.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const run = promisify(execFile);
const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
const BALANCED = 'balanced.example.com';
const PERSISTENT = 'persistent.example.com';
const CHANGING = 'changing.example.com';
const STAYING = 'staying.example.com';
const SECURE = 'secure.example.com';
const CANARY_STICKY = 'canary-sticky.example.com';
const CANARY_LEGACY = 'canary-legacy.example.com';

/** A main Ingress with sticky sessions on `host` (service pool) and a 50% canary (service next). */
function canaryPair(host: string, behavior: 'sticky' | 'legacy'): object[] {
  return [
    ingressWith({
      name: `${behavior}-main`,
      hosts: [host],
      paths: [{ path: '/', service: 'pool' }],
      annotations: { [n('affinity')]: 'cookie' },
    }),
    ingressWith({
      name: `${behavior}-canary`,
      hosts: [host],
      paths: [{ path: '/', service: 'next' }],
      annotations: {
        [n('canary')]: 'true',
        [n('canary-weight')]: '50',
        ...(behavior === 'legacy' ? { [n('affinity-canary-behavior')]: 'legacy' } : {}),
      },
      created: '2024-01-02T00:00:00Z',
    }),
  ];
}

interface CurlReply {
  readonly status: number;
  readonly name: string;
  readonly setCookies: readonly string[];
}

describe('serve: sticky sessions (affinity: cookie)', () => {
  let pool: EchoUpstream[];
  let flaky: EchoUpstream[];
  let next: EchoUpstream[];
  let serve: ServeProcess;
  let dir: string;
  let jars: string;

  const manifests = (poolPorts: readonly number[]): object[] => [
    INGRESS_CLASS,
    ingressWith({
      name: 'balanced',
      hosts: [BALANCED],
      paths: [{ path: '/app', service: 'pool' }],
      annotations: {
        [n('affinity')]: 'cookie',
        [n('session-cookie-max-age')]: '3600',
        [n('session-cookie-samesite')]: 'Lax',
      },
    }),
    ingressWith({
      name: 'persistent',
      hosts: [PERSISTENT],
      paths: [{ path: '/', service: 'pool' }],
      annotations: {
        [n('affinity')]: 'cookie',
        [n('affinity-mode')]: 'persistent',
        [n('session-cookie-name')]: 'route',
        [n('session-cookie-domain')]: 'persistent.example.com',
        [n('session-cookie-expires')]: '600',
      },
    }),
    ingressWith({
      name: 'changing',
      hosts: [CHANGING],
      paths: [{ path: '/', service: 'flaky' }],
      annotations: {
        [n('affinity')]: 'cookie',
        [n('affinity-mode')]: 'persistent',
        [n('session-cookie-change-on-failure')]: 'true',
      },
    }),
    ingressWith({
      name: 'staying',
      hosts: [STAYING],
      paths: [{ path: '/', service: 'flaky' }],
      annotations: { [n('affinity')]: 'cookie', [n('affinity-mode')]: 'persistent' },
    }),
    ingressWith({
      name: 'secure',
      hosts: [SECURE],
      paths: [{ path: '/', service: 'pool' }],
      annotations: {
        [n('affinity')]: 'cookie',
        [n('session-cookie-secure')]: 'true',
        [n('session-cookie-samesite')]: 'None',
        [n('session-cookie-conditional-samesite-none')]: 'true',
      },
    }),
    ...canaryPair(CANARY_STICKY, 'sticky'),
    ...canaryPair(CANARY_LEGACY, 'legacy'),
    ...serviceWithEndpoints(
      'next',
      next.map((upstream) => upstream.port),
    ),
    ...serviceWithEndpoints('pool', poolPorts),
    ...serviceWithEndpoints(
      'flaky',
      flaky.map((upstream) => upstream.port),
    ),
  ];

  before(async () => {
    pool = await Promise.all(['e0', 'e1', 'e2'].map((name) => startEchoUpstream(name)));
    flaky = await Promise.all(['f0', 'f1'].map((name) => startEchoUpstream(name)));
    next = await Promise.all(['n0', 'n1'].map((name) => startEchoUpstream(name)));
    dir = await manifestDir();
    jars = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), manifests(pool.map((upstream) => upstream.port)));
    await writeFile(join(jars, 'key'), randomBytes(32));
    serve = await startServeProcess('serve', keyed());
  });

  after(async () => {
    await serve.stop();
    await Promise.all([...pool, ...flaky, ...next].map((upstream) => upstream.close()));
  });

  /** One request by curl with a cookie jar (read and written); extra curl arguments after. */
  const curl = async (
    host: string,
    jar: string,
    extra: readonly string[] = [],
    to: ServeProcess = serve,
  ): Promise<CurlReply> => {
    // The real host name (resolved to the proxy), so that curl's jar applies Domain and Path.
    const port = String(to.httpPort);
    const url = `http://${host}:${port}${host === BALANCED ? '/app/page' : '/'}`;
    const { stdout } = await run('curl', [
      '-s',
      '-D',
      '-',
      '--resolve',
      `${host}:${port}:127.0.0.1`,
      '-b',
      jar,
      '-c',
      jar,
      ...extra,
      url,
    ]);
    const [head = '', body = ''] = stdout.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
    const setCookies = head
      .split('\r\n')
      .filter((line) => /^set-cookie:/i.test(line))
      .map((line) => line.slice(line.indexOf(':') + 1).trim());
    return { status, name: status === 200 ? parseEcho(body).name : '', setCookies };
  };
  const jar = (name: string): string => join(jars, `${name}.txt`);
  const keyed = (): string[] => [
    '--manifests',
    dir,
    '--session-cookie-key-file',
    join(jars, 'key'),
  ];

  /** The `name=value` of the session cookie in a jar. */
  const cookieOf = async (file: string): Promise<string> => {
    const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.includes('\troute\t'));
    const fields = line?.split('\t') ?? [];
    return `route=${fields[6] ?? ''}`;
  };

  /** A new session (fresh jar) until one lands on endpoint `name` (bounded). */
  const sessionOn = async (host: string, name: string, label: string): Promise<string> => {
    for (let i = 0; i < 60; i++) {
      const file = jar(`${label}-${String(i)}`);
      if ((await curl(host, file)).name === name) return file;
    }
    throw new Error(`no session of ${host} landed on ${name}`);
  };

  test('the first answer sets the cookie with its attributes; 50 requests stay on one endpoint', async () => {
    const first = await curl(BALANCED, jar('b1'));
    assert.equal(first.status, 200);
    assert.equal(first.setCookies.length, 1);
    const cookie = first.setCookies[0] ?? '';
    assert.match(
      cookie,
      /^INGRESSCOOKIE=[\w-]{22}\.[\w-]{8}; Max-Age=3600; Path=\/app; HttpOnly; SameSite=Lax$/,
    );
    for (const upstream of pool) assert.ok(!cookie.includes(String(upstream.port)));
    for (let i = 0; i < 50; i++) {
      const reply = await curl(BALANCED, jar('b1'));
      assert.equal(reply.name, first.name, `request ${String(i)} moved`);
      assert.deepEqual(reply.setCookies, []);
    }
    // Sessions spread: fresh clients do not all land on one endpoint.
    const names = new Set<string>();
    for (let i = 0; i < 15; i++) names.add((await curl(BALANCED, jar(`spread-${String(i)}`))).name);
    assert.ok(names.size >= 2, [...names].join(','));
  });

  test('session-cookie-secure on plain HTTP; SameSite=None left out for an old Chrome', async () => {
    const modern = await curl(SECURE, jar('s1'));
    assert.match(
      modern.setCookies[0] ?? '',
      /^INGRESSCOOKIE=[\w-]{22}\.[\w-]{8}; Path=\/; Secure; HttpOnly; SameSite=None$/,
    );
    const chrome55 =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/55.0.2883.87 Safari/537.36';
    const old = await curl(SECURE, jar('s2'), ['-A', chrome55]);
    assert.match(
      old.setCookies[0] ?? '',
      /^INGRESSCOOKIE=[\w-]{22}\.[\w-]{8}; Path=\/; Secure; HttpOnly$/,
    );
  });

  test('persistent: cookie name, Domain, Expires; a tampered cookie is no cookie', async () => {
    const first = await curl(PERSISTENT, jar('p1'));
    const cookie = first.setCookies[0] ?? '';
    assert.match(
      cookie,
      /^route=([\w-]{22}\.[\w-]{8}); Expires=\w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT; Domain=persistent\.example\.com; Path=\/; HttpOnly$/,
    );
    const value = /^route=([^;]+)/.exec(cookie)?.[1] ?? '';
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)?.[1] ?? '');
    assert.ok(Math.abs(expires - Date.now() - 600_000) < 10_000);
    const header = (v: string): string[] => ['-H', `Cookie: route=${v}`];
    for (let i = 0; i < 20; i++) {
      const reply = await curl(PERSISTENT, jar(`kept-${String(i)}`), header(value));
      assert.equal(reply.name, first.name);
      assert.deepEqual(reply.setCookies, []);
    }
    const flipped = `${value.slice(0, 3)}${value[3] === 'A' ? 'B' : 'A'}${value.slice(4)}`;
    const tampered = [flipped, value.slice(1), `${value}x`, '127.0.0.1:8080', '"";;='];
    for (const [index, text] of tampered.entries()) {
      const reply = await curl(PERSISTENT, jar(`tampered-${String(index)}`), header(text));
      assert.equal(reply.status, 200);
      assert.equal(reply.setCookies.length, 1, `tampered ${text} got no new cookie`);
      assert.match(reply.setCookies[0] ?? '', /^route=[\w-]{22}\.[\w-]{8};/);
    }
  });

  test('persistent cookies hold across replicas with one --session-cookie-key-file, not without', async () => {
    const session = await sessionOn(PERSISTENT, 'e2', 'replica');
    const replica = await startServeProcess('serve', keyed());
    const stranger = await startServeProcess('serve', ['--manifests', dir]);
    try {
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(await curl(PERSISTENT, session, [], replica), {
          status: 200,
          name: 'e2',
          setCookies: [],
        });
      }
      // Another key: the cookie names no endpoint there, so a new session starts.
      const elsewhere = await curl(
        PERSISTENT,
        jar('stranger'),
        ['-H', `Cookie: ${await cookieOf(session)}`],
        stranger,
      );
      assert.equal(elsewhere.setCookies.length, 1);
    } finally {
      await Promise.all([replica.stop(), stranger.stop()]);
    }
  });

  test('affinity-canary-behavior: sticky keeps canary and main clients where they were', async () => {
    const where = new Map<string, number>();
    for (let client = 0; client < 12; client++) {
      const file = jar(`canary-${String(client)}`);
      const first = await curl(CANARY_STICKY, file);
      assert.equal(first.setCookies.length, 1);
      for (let i = 0; i < 15; i++) {
        assert.equal(
          (await curl(CANARY_STICKY, file)).name,
          first.name,
          `client ${String(client)}`,
        );
      }
      const side = first.name.startsWith('n') ? 'canary' : 'main';
      where.set(side, (where.get(side) ?? 0) + 1);
    }
    // 12 clients at 50%: both sides get some (all on one side: 2 in 4096).
    assert.equal(where.size, 2, JSON.stringify([...where]));
  });

  test('affinity-canary-behavior: legacy: the canary sets no cookie, main sessions stay on main', async () => {
    const sides = new Set<string>();
    for (let client = 0; client < 30; client++) {
      const reply = await curl(CANARY_LEGACY, jar(`legacy-${String(client)}`));
      const onCanary = reply.name.startsWith('n');
      sides.add(onCanary ? 'canary' : 'main');
      // As in ingress-nginx, a legacy canary has no sticky sessions; the main backend does.
      assert.equal(reply.setCookies.length, onCanary ? 0 : 1, reply.name);
      if (!onCanary && client < 3) {
        for (let i = 0; i < 10; i++) {
          const again = await curl(CANARY_LEGACY, jar(`legacy-${String(client)}`));
          assert.equal(again.name, reply.name);
        }
      }
    }
    // 30 clients at 50%: both sides (all on one side: 2 in 10^9).
    assert.equal(sides.size, 2);
  });

  test('change-on-failure: a dead endpoint gives a new session; without it, the same endpoint again', async () => {
    const changing = await sessionOn(CHANGING, 'f1', 'c');
    const staying = await sessionOn(STAYING, 'f1', 's');
    await flaky[1]?.close();
    const moved = await curl(CHANGING, changing);
    assert.equal(moved.status, 200);
    assert.equal(moved.name, 'f0');
    assert.equal(moved.setCookies.length, 1);
    // The new cookie (in the jar now) keeps the session on f0.
    assert.deepEqual(await curl(CHANGING, changing), { status: 200, name: 'f0', setCookies: [] });
    // ingress-nginx without change-on-failure: every retry goes to the cookie's endpoint.
    const stuck = await curl(STAYING, staying);
    assert.equal(stuck.status, 502);
  });

  test('an endpoint that goes moves its sessions, with a new cookie; the others stay', async () => {
    const balanced = await sessionOn(BALANCED, 'e1', 'mb');
    const persistent = await sessionOn(PERSISTENT, 'e1', 'mp');
    const keptBalanced = await sessionOn(BALANCED, 'e2', 'kb');
    const keptPersistent = await sessionOn(PERSISTENT, 'e0', 'kp');
    const before = await readFile(persistent, 'utf8');
    // e1 leaves the Service (its server still answers: only the manifests say it is gone).
    await writeManifests(
      join(dir, 'all.yaml'),
      manifests([pool[0]?.port ?? 0, pool[2]?.port ?? 0]),
    );
    let reply = await curl(PERSISTENT, persistent);
    for (let i = 0; i < 500 && reply.name === 'e1'; i++) {
      assert.deepEqual(reply.setCookies, []);
      await delay(20);
      reply = await curl(PERSISTENT, persistent);
    }
    assert.notEqual(reply.name, 'e1', 'the session never moved');
    assert.equal(reply.setCookies.length, 1);
    assert.notEqual(await readFile(persistent, 'utf8'), before);
    const next = await curl(PERSISTENT, persistent);
    assert.deepEqual(next, { status: 200, name: reply.name, setCookies: [] });
    const balancedReply = await curl(BALANCED, balanced);
    assert.notEqual(balancedReply.name, 'e1');
    assert.equal(
      balancedReply.setCookies.length,
      0,
      'a balanced key moves on the ring, same cookie',
    );
    for (let i = 0; i < 10; i++) {
      assert.equal((await curl(BALANCED, keptBalanced)).name, 'e2');
      assert.equal((await curl(PERSISTENT, keptPersistent)).name, 'e0');
    }
  });
});
