// Basic authentication (auth-type: basic) through `pointsman serve`, with curl: htpasswd hashes
// as htpasswd writes them (bcrypt, apr1, {SHA}) and an auth-map Secret; wrong passwords,
// unknown users, malformed and duplicate Authorization headers, path tricks and a WebSocket
// upgrade never reach the protected backend; broken Secrets fail closed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, sendRaw } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const run = promisify(execFile);
const HOST = 'auth.example.com';
const A = 'nginx.ingress.kubernetes.io';

// Written by `htpasswd -B` (cost 5), `-m`, `-s` (apache2-utils 2.4).
const HTPASSWD = [
  '# users of the admin area',
  'alice:$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS',
  'bob:$apr1$dc3d6Xcz$RZfE39af5zOhuBu8rwXLo1',
  'carol:{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=',
  '',
].join('\n');
const GOOD: readonly (readonly [string, string])[] = [
  ['alice', 'wonder land'],
  ['bob', 'b0b:pass'],
  ['carol', 'carolpw'],
];

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const secret = (name: string, data: Record<string, string>, namespace = 'default'): object => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
});

interface CurlReply {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

describe('serve: basic authentication', () => {
  let site: EchoUpstream;
  let admin: EchoUpstream;
  let serve: ServeProcess;
  let dir: string;
  let objects: object[];
  let adminUsers: object;

  const curl = async (path: string, ...args: string[]): Promise<CurlReply> => {
    const { stdout } = await run('curl', [
      '-s',
      '-i',
      '--path-as-is',
      '--max-time',
      '10',
      '-H',
      `Host: ${HOST}`,
      ...args,
      `http://127.0.0.1:${String(serve.httpPort)}${path}`,
    ]);
    const [head = '', ...rest] = stdout.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
  };

  before(async () => {
    [site, admin] = await Promise.all([startEchoUpstream('site'), startEchoUpstream('admin')]);
    dir = await manifestDir();
    const guarded = (name: string, path: string, annotations: Record<string, string>): object =>
      ingressWith({
        name,
        hosts: [HOST],
        paths: [{ path, service: 'admin' }],
        annotations,
        created: '2024-01-02T00:00:00Z',
      });
    adminUsers = secret('admin-users', { auth: HTPASSWD });
    objects = [
      INGRESS_CLASS,
      ingressWith({
        name: 'site',
        hosts: [HOST],
        paths: [{ path: '/', service: 'site' }],
        created: '2024-01-01T00:00:00Z',
      }),
      guarded('admin', '/admin', {
        [`${A}/auth-type`]: 'basic',
        [`${A}/auth-secret`]: 'admin-users',
        [`${A}/auth-realm`]: 'Admin Area',
      }),
      guarded('mapped', '/mapped', {
        [`${A}/auth-type`]: 'basic',
        [`${A}/auth-secret`]: 'default/map-users',
        [`${A}/auth-secret-type`]: 'auth-map',
      }),
      guarded('plain', '/plain', {
        [`${A}/auth-type`]: 'basic',
        [`${A}/auth-secret`]: 'plain-users',
      }),
      guarded('cross', '/cross', {
        [`${A}/auth-type`]: 'basic',
        [`${A}/auth-secret`]: 'other/admin-users',
      }),
      guarded('digest', '/digest', {
        [`${A}/auth-type`]: 'digest',
        [`${A}/auth-secret`]: 'admin-users',
      }),
      adminUsers,
      secret('admin-users', { auth: HTPASSWD }, 'other'),
      secret('map-users', { dave: '{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=\n' }),
      secret('plain-users', { auth: 'eve:evepw\n' }),
      ...serviceWithEndpoints('site', [site.port]),
      ...serviceWithEndpoints('admin', [admin.port]),
    ];
    await writeManifests(join(dir, 'all.yaml'), objects);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([site.close(), admin.close()]);
  });

  test('good users of every hash format reach the backend, without the Authorization header', async () => {
    for (const [user, password] of [...GOOD, ...GOOD]) {
      const reply = await curl('/admin/page', '-u', `${user}:${password}`);
      assert.equal(reply.status, 200, user);
      const echo = parseEcho(reply.body);
      assert.equal(echo.name, 'admin');
      assert.equal(echo.headers['authorization'], undefined, 'the password went upstream');
    }
    const mapped = await curl('/mapped', '-u', 'dave:carolpw');
    assert.equal(mapped.status, 200);
    assert.equal(parseEcho(mapped.body).name, 'admin');
  });

  test('wrong passwords, unknown users, no or malformed headers: 401 with the realm', async () => {
    const before = admin.requests;
    const cases: string[][] = [
      ['-u', 'alice:wrong'],
      ['-u', 'bob:b0b'],
      ['-u', 'carol:CAROLPW'],
      ['-u', 'mallory:wonder land'],
      ['-u', 'dave:carolpw'],
      [],
      ['-H', 'Authorization: Bearer abc'],
      ['-H', 'Authorization: Basic !!!!'],
      ['-H', `Authorization: Basic ${b64('alice')}`],
      ['-H', `Authorization: Basic ${b64(':wonder land')}`],
      ['-H', `Authorization: Digest username="alice"`],
      ['-H', 'Authorization:'],
    ];
    for (const args of cases) {
      const reply = await curl('/admin', ...args);
      assert.equal(reply.status, 401, args.join(' '));
      assert.equal(reply.headers.get('www-authenticate'), 'Basic realm="Admin Area"');
      assert.equal(reply.headers.get('x-pointsman-error'), 'PM_ERR_UNAUTHORIZED');
    }
    // Without auth-realm the realm is empty, as with ingress-nginx.
    const mapped = await curl('/mapped', '-u', 'dave:wrong');
    assert.equal(mapped.status, 401);
    assert.equal(mapped.headers.get('www-authenticate'), 'Basic realm=""');
    assert.equal(admin.requests, before, 'a refused request reached the backend');
  });

  test('a good and a bad credential together are refused, in either order', async () => {
    const before = admin.requests;
    const good = `Authorization: Basic ${b64('alice:wonder land')}`;
    const bad = `Authorization: Basic ${b64('alice:wrong')}`;
    for (const pair of [
      [good, bad],
      [bad, good],
      [good, good],
    ]) {
      const reply = await curl('/admin', '-H', pair[0] ?? '', '-H', pair[1] ?? '');
      assert.equal(reply.status, 400, pair.join(' / '));
      assert.equal(reply.headers.get('x-pointsman-error'), 'PM_ERR_BAD_REQUEST');
    }
    assert.equal(admin.requests, before);
  });

  test('path tricks never reach the protected backend without credentials', async () => {
    const before = admin.requests;
    // Normalised (dot segments, `//`, escapes of unreserved characters) onto /admin: 401. Paths
    // match case-sensitively, as in nginx: /ADMIN is another path, served by the open `/`.
    const cases: [string, number][] = [
      ['/admin', 401],
      ['//admin', 401],
      ['/admin/../admin', 401],
      ['/x/../admin/', 401],
      ['/./admin', 401],
      ['/%61dmin', 401],
      ['/adm%69n/x', 401],
      ['/%2e/admin', 401],
      ['/admin/%2e%2e/admin', 401],
      ['/admin?x=/', 401],
      ['/admin;x', 400],
      ['/admin%2fx', 400],
      ['/ADMIN', 200],
      ['/Admin/x', 200],
    ];
    for (const [path, status] of cases) {
      const reply = await curl(path);
      assert.equal(reply.status, status, path);
      if (status === 200) assert.equal(parseEcho(reply.body).name, 'site', path);
    }
    assert.equal(admin.requests, before, 'a path trick reached the protected backend');
  });

  test('the same rules over h2c: 401 without, 200 with, the password not sent upstream', async () => {
    const session = await h2Connect(serve.httpPort);
    try {
      const none = await h2Request(session, { path: '/admin', authority: HOST });
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Basic realm="Admin Area"');
      const wrong = await h2Request(session, {
        path: '/admin',
        authority: HOST,
        headers: { authorization: `Basic ${b64('bob:nope')}` },
      });
      assert.equal(wrong.status, 401);
      const good = await h2Request(session, {
        path: '/admin',
        authority: HOST,
        headers: { authorization: `Basic ${b64('bob:b0b:pass')}` },
      });
      assert.equal(good.status, 200);
      const echo = parseEcho(good.body.toString());
      assert.equal(echo.name, 'admin');
      assert.equal(echo.headers['authorization'], undefined);
    } finally {
      await h2Close(session);
    }
  });

  test('a WebSocket upgrade to a protected path is refused without credentials', async () => {
    const before = admin.requests;
    const upgrade = (extra: string): Promise<string> =>
      sendRaw(
        serve.httpPort,
        `GET /admin/socket HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
      );
    const none = parseRawResponse(await upgrade(''));
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Admin Area"');
    const wrong = parseRawResponse(await upgrade(`Authorization: Basic ${b64('alice:nope')}\r\n`));
    assert.equal(wrong.status, 401);
    assert.equal(admin.requests, before);
  });

  test('a plain-text Secret, a Secret of another namespace and digest fail closed', async () => {
    const before = admin.requests;
    for (const path of ['/plain', '/cross', '/digest']) {
      const reply = await curl(path, '-u', 'alice:wonder land');
      assert.equal(reply.status, 503, path);
      assert.equal(reply.headers.get('x-pointsman-error'), 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
    }
    const plain = await curl('/plain', '-u', 'eve:evepw');
    assert.equal(plain.status, 503);
    assert.equal(admin.requests, before);
    const routes = await runCli(['routes', '--manifests', dir]);
    assert.match(routes.stdout, /InvalidAuthSecret/);
    assert.match(routes.stdout, /plain-text password/);
    assert.match(routes.stdout, /another namespace, which needs --allow-cross-namespace-resources/);
    assert.match(routes.stdout, /digest is not supported/);
  });

  test('a changed Secret takes effect without a restart; a remembered password does not outlive it', async () => {
    assert.equal((await curl('/admin', '-u', 'carol:carolpw')).status, 200);
    assert.equal((await curl('/admin', '-u', 'alice:wonder land')).status, 200);
    // carol is removed and alice's password changes to {SHA} of "carolpw".
    await writeManifests(join(dir, 'users.yaml'), [
      secret('admin-users', { auth: 'alice:{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=\n' }),
    ]);
    await writeManifests(
      join(dir, 'all.yaml'),
      objects.filter((o) => o !== adminUsers),
    );
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await curl('/admin', '-u', 'alice:carolpw')).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 200, 'the new password never worked');
    assert.equal((await curl('/admin', '-u', 'alice:wonder land')).status, 401);
    assert.equal((await curl('/admin', '-u', 'carol:carolpw')).status, 401);
  });
});
