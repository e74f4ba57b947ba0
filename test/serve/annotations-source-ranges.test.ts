// allowlist-source-range / denylist-source-range through `pointsman serve`: a client outside the
// allowed networks (or inside the denied ones) gets 403 PM_ERR_SOURCE_FORBIDDEN and never reaches
// the backend, whatever it forges (X-Forwarded-For from an untrusted peer) or however it spells
// the path; the --allowlist-source-range / --denylist-source-range defaults apply where an
// Ingress sets none, and an annotation replaces them; a bad list fails closed. IPv6 and
// IPv4-mapped clients over a dual-stack listener (curl to [::1] and 127.0.0.1).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const HOST = 'shop.example.com';
const A = 'nginx.ingress.kubernetes.io/';
const run = promisify(execFile);

/** curl to the given address: status and error code (curl is the client ingress users have). */
async function curl(
  address: string,
  port: number,
  path: string,
  headers: readonly string[] = [],
  from?: string,
): Promise<{ status: number; code: string; body: string }> {
  const host = address.includes(':') ? `[${address}]` : address;
  const args = ['-sS', '-g', '--path-as-is', '--max-time', '10', '-H', `Host: ${HOST}`];
  for (const header of headers) args.push('-H', header);
  // The source address: loopback has all of 127.0.0.0/8.
  if (from !== undefined) args.push('--interface', from);
  args.push('-D', '-', `http://${host}:${String(port)}${path}`);
  const { stdout } = await run('curl', args);
  const [head = '', body = ''] = stdout.split('\r\n\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1] ?? 0);
  const code = /^x-pointsman-error: (\S+)/im.exec(head)?.[1] ?? '';
  return { status, code, body };
}

describe('serve: source ranges from annotations', () => {
  let site: EchoUpstream;
  let admin: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    [site, admin] = await Promise.all([startEchoUpstream('site'), startEchoUpstream('admin')]);
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({ name: 'site', hosts: [HOST], paths: [{ path: '/', service: 'site' }] }),
      ingressWith({
        name: 'admin',
        hosts: [HOST],
        paths: [{ path: '/admin', service: 'admin' }],
        // The alias, as most ingress-nginx Ingresses still spell it.
        annotations: { [`${A}whitelist-source-range`]: '10.0.0.0/8, 2001:db8::/32' },
      }),
      ingressWith({
        name: 'office',
        hosts: [HOST],
        paths: [{ path: '/office', service: 'admin' }],
        annotations: { [`${A}allowlist-source-range`]: '192.0.2.0/24,127.0.0.1' },
      }),
      ingressWith({
        name: 'banned',
        hosts: [HOST],
        paths: [{ path: '/banned', service: 'admin' }],
        annotations: {
          [`${A}allowlist-source-range`]: '127.0.0.0/8',
          [`${A}denylist-source-range`]: '127.0.0.1',
        },
      }),
      ingressWith({
        name: 'broken',
        hosts: [HOST],
        paths: [{ path: '/broken', service: 'admin' }],
        annotations: { [`${A}allowlist-source-range`]: '10.0.0.0/8,10.0.0.300' },
      }),
      // An Ingress whose spec.defaultBackend takes every request no rule matches: its rules
      // apply there too, as ingress-nginx applies the annotations to that location.
      {
        ...ingressWith({
          name: 'fallback',
          hosts: [],
          paths: [],
          annotations: { [`${A}allowlist-source-range`]: '10.0.0.0/8' },
        }),
        spec: { defaultBackend: { service: { name: 'admin', port: { number: 80 } } } },
      },
      ...serviceWithEndpoints('site', [site.port]),
      ...serviceWithEndpoints('admin', [admin.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--bind', '127.0.0.1']);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([site.close(), admin.close()]);
  });

  test('a client outside the allowlist gets 403 PM_ERR_SOURCE_FORBIDDEN', async () => {
    const reply = await send(serve.httpPort, { path: '/admin/users', headers: { host: HOST } });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_SOURCE_FORBIDDEN');
    const open = await send(serve.httpPort, { path: '/', headers: { host: HOST } });
    assert.equal(parseEcho(open.body).name, 'site');
  });

  test('an address in the allowlist passes; the denylist wins over the allowlist', async () => {
    const office = await send(serve.httpPort, { path: '/office', headers: { host: HOST } });
    assert.equal(office.status, 200);
    assert.equal(parseEcho(office.body).name, 'admin');
    const banned = await send(serve.httpPort, { path: '/banned', headers: { host: HOST } });
    assert.equal(banned.status, 403);
    assert.equal(banned.headers['x-pointsman-error'], 'PM_ERR_SOURCE_FORBIDDEN');
  });

  test("the default backend of an Ingress applies the Ingress's lists", async () => {
    const reply = await send(serve.httpPort, { path: '/', headers: { host: 'other.example' } });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_SOURCE_FORBIDDEN');
  });

  test('a bad list fails closed: 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED', async () => {
    const reply = await send(serve.httpPort, { path: '/broken', headers: { host: HOST } });
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED');
  });

  test('bypass attempts never reach the protected backend', async () => {
    const before = admin.requests;
    const forged = ['X-Forwarded-For: 10.1.2.3', 'X-Real-IP: 10.1.2.3', 'Forwarded: for=10.1.2.3'];
    const reply = await curl('127.0.0.1', serve.httpPort, '/admin', forged);
    assert.equal(reply.status, 403);
    assert.equal(reply.code, 'PM_ERR_SOURCE_FORBIDDEN');
    for (const path of [
      '//admin',
      '/admin/../admin',
      '/x/../admin/',
      '/%61dmin',
      '/admin/%2e%2e/admin',
      '/%2e/admin',
      '/./admin',
      '/ADMIN',
      '/Admin/x',
      '/admin;x=1',
      '/admin%2Fx',
    ]) {
      const answer = await curl('127.0.0.1', serve.httpPort, path);
      // Refused, or routed elsewhere (paths are case-sensitive, as nginx's): never the admin.
      assert.ok(answer.status !== 200 || parseEcho(answer.body).name !== 'admin', path);
    }
    assert.equal(admin.requests, before);
  });
});

describe('serve: source ranges from flags, over a dual-stack listener', () => {
  let site: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    site = await startEchoUpstream('site');
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({ name: 'plain', hosts: [HOST], paths: [{ path: '/', service: 'site' }] }),
      ingressWith({
        name: 'own-list',
        hosts: [HOST],
        paths: [{ path: '/own', service: 'site' }],
        annotations: {
          [`${A}allowlist-source-range`]: '127.0.0.1,::1',
          [`${A}denylist-source-range`]: '192.0.2.1',
        },
      }),
      ...serviceWithEndpoints('site', [site.port]),
    ]);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--bind',
      '::',
      '--allowlist-source-range',
      '127.0.0.0/8,10.0.0.0/8',
      '--denylist-source-range',
      '127.0.0.2',
      '--denylist-source-range',
      '::1',
    ]);
  });

  after(async () => {
    await serve.stop();
    await site.close();
  });

  test('the flag lists apply to an Ingress without annotations (IPv4-mapped clients as IPv4)', async () => {
    const v4 = await curl('127.0.0.1', serve.httpPort, '/');
    assert.equal(v4.status, 200);
    const denied = await curl('127.0.0.1', serve.httpPort, '/', [], '127.0.0.2');
    assert.deepEqual([denied.status, denied.code], [403, 'PM_ERR_SOURCE_FORBIDDEN']);
    const v6 = await curl('::1', serve.httpPort, '/');
    assert.deepEqual([v6.status, v6.code], [403, 'PM_ERR_SOURCE_FORBIDDEN']);
  });

  test('an Ingress with its own lists replaces the defaults, one kind at a time', async () => {
    const v6 = await curl('::1', serve.httpPort, '/own');
    assert.equal(v6.status, 200);
    const v4 = await curl('127.0.0.1', serve.httpPort, '/own');
    assert.equal(v4.status, 200);
    // 127.0.0.2 is outside the Ingress's own allowlist (the flag's denylist no longer applies).
    const other = await curl('127.0.0.1', serve.httpPort, '/own', [], '127.0.0.2');
    assert.deepEqual([other.status, other.code], [403, 'PM_ERR_SOURCE_FORBIDDEN']);
  });
});
