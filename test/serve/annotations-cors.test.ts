// enable-cors and cors-* through `pointsman serve`, with curl as the browser would send them:
// preflights (OPTIONS with Origin) answered 204 by the proxy for matching origins, simple
// requests marked with the Access-Control-* headers, non-matching origins left alone, the
// one-level wildcard, `*`, and ingress-nginx's defaults for invalid values.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const run = promisify(execFile);
const LISTED = 'listed.cors.test';
const ANY = 'any.cors.test';
const BAD = 'bad.cors.test';
const PLAIN = 'plain.cors.test';
const A = 'nginx.ingress.kubernetes.io/';

interface CurlReply {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** One request with curl (`-i`), bounded by 10 s. */
async function curl(
  port: number,
  host: string,
  options: { method?: string; headers?: readonly string[]; path?: string } = {},
): Promise<CurlReply> {
  const args = [
    '-sS',
    '-i',
    '--max-time',
    '10',
    '-X',
    options.method ?? 'GET',
    '-H',
    `Host: ${host}`,
  ];
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(`http://127.0.0.1:${String(port)}${options.path ?? '/'}`);
  const { stdout } = await run('curl', args, { timeout: 15_000 });
  const end = stdout.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = stdout.slice(0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: stdout.slice(end + 4) };
}

const preflight = (origin: string): string[] => [
  `Origin: ${origin}`,
  'Access-Control-Request-Method: PUT',
  'Access-Control-Request-Headers: X-Custom',
];

describe('serve: CORS annotations', () => {
  let echo: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    echo = await startEchoUpstream('cors');
    const dir = await manifestDir();
    const route = [{ path: '/', service: 'cors' }];
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'listed',
        hosts: [LISTED],
        paths: route,
        annotations: {
          [`${A}enable-cors`]: 'true',
          [`${A}cors-allow-origin`]: 'https://app.test, https://*.example.com',
          [`${A}cors-allow-methods`]: 'GET, PUT',
          [`${A}cors-allow-headers`]: 'X-Custom, Content-Type',
          [`${A}cors-expose-headers`]: 'X-Total',
          [`${A}cors-max-age`]: '600',
        },
      }),
      ingressWith({
        name: 'any',
        hosts: [ANY],
        paths: route,
        annotations: { [`${A}enable-cors`]: 'true' },
      }),
      ingressWith({
        name: 'bad',
        hosts: [BAD],
        paths: route,
        annotations: {
          [`${A}enable-cors`]: 'true',
          [`${A}cors-allow-origin`]: 'https://ok.test',
          [`${A}cors-allow-methods`]: 'GET;DROP',
          [`${A}cors-allow-credentials`]: 'maybe',
          [`${A}cors-max-age`]: 'forever',
        },
      }),
      ingressWith({ name: 'plain', hosts: [PLAIN], paths: route }),
      ...serviceWithEndpoints('cors', [echo.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await echo.close();
  });

  test('preflight from a listed origin: 204 by the proxy, the backend never asked', async () => {
    const before = echo.requests;
    const reply = await curl(serve.httpPort, LISTED, {
      method: 'OPTIONS',
      headers: preflight('https://app.test'),
    });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, '');
    assert.equal(reply.headers.get('access-control-allow-origin'), 'https://app.test');
    assert.equal(reply.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(reply.headers.get('access-control-allow-methods'), 'GET, PUT');
    assert.equal(reply.headers.get('access-control-allow-headers'), 'X-Custom, Content-Type');
    assert.equal(reply.headers.get('access-control-expose-headers'), 'X-Total');
    assert.equal(reply.headers.get('access-control-max-age'), '600');
    assert.equal(reply.headers.get('vary'), 'Origin');
    assert.equal(reply.headers.get('content-length'), '0');
    assert.equal(echo.requests, before);
  });

  test('a simple request from a wildcard origin reaches the backend, marked', async () => {
    const reply = await curl(serve.httpPort, LISTED, {
      headers: ['Origin: https://shop.example.com'],
    });
    assert.equal(reply.status, 200);
    assert.match(reply.body, /"name":"cors"/);
    assert.equal(reply.headers.get('access-control-allow-origin'), 'https://shop.example.com');
    assert.equal(reply.headers.get('access-control-expose-headers'), 'X-Total');
    assert.match(reply.headers.get('vary') ?? '', /Origin/);
  });

  test('origins that do not match: no CORS header; OPTIONS goes to the backend', async () => {
    for (const origin of [
      'https://evil.test',
      'https://a.b.example.com',
      'https://app.test.evil.test',
      'http://app.test',
    ]) {
      const before = echo.requests;
      const options = await curl(serve.httpPort, LISTED, {
        method: 'OPTIONS',
        headers: preflight(origin),
      });
      assert.equal(options.status, 200, origin);
      assert.match(options.body, /"method":"OPTIONS"/);
      assert.equal(options.headers.get('access-control-allow-origin'), undefined, origin);
      assert.equal(echo.requests, before + 1);
      const get = await curl(serve.httpPort, LISTED, { headers: [`Origin: ${origin}`] });
      assert.equal(get.headers.get('access-control-allow-origin'), undefined, origin);
      assert.equal(get.headers.get('vary'), 'Origin');
    }
  });

  test("enable-cors alone: `*` and ingress-nginx's defaults, even without an Origin", async () => {
    const reply = await curl(serve.httpPort, ANY, {
      method: 'OPTIONS',
      headers: preflight('https://x.test'),
    });
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get('access-control-allow-origin'), '*');
    assert.equal(
      reply.headers.get('access-control-allow-methods'),
      'GET, PUT, POST, DELETE, PATCH, OPTIONS',
    );
    assert.equal(
      reply.headers.get('access-control-allow-headers'),
      'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
    );
    assert.equal(reply.headers.get('access-control-max-age'), '1728000');
    assert.equal(reply.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(reply.headers.get('access-control-expose-headers'), undefined);
    const get = await curl(serve.httpPort, ANY);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
  });

  test('invalid values fall back to the defaults', async () => {
    const reply = await curl(serve.httpPort, BAD, {
      method: 'OPTIONS',
      headers: preflight('https://ok.test'),
    });
    assert.equal(reply.status, 204);
    assert.equal(
      reply.headers.get('access-control-allow-methods'),
      'GET, PUT, POST, DELETE, PATCH, OPTIONS',
    );
    assert.equal(reply.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(reply.headers.get('access-control-max-age'), '1728000');
  });

  test('a route without enable-cors is untouched', async () => {
    const reply = await curl(serve.httpPort, PLAIN, {
      method: 'OPTIONS',
      headers: preflight('https://app.test'),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('access-control-allow-origin'), undefined);
    assert.equal(reply.headers.get('vary'), undefined);
  });
});
