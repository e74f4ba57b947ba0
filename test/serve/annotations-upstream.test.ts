// proxy-body-size and enable-access-log through `pointsman serve`: the Ingress's own limit in
// place of --proxy-body-size (exactly the limit passes, one byte more gets 413), the flag for
// Ingresses without one, and no access log line for an Ingress that turns it off.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';

const QUIET = 'uploads.example.com';
const LOUD = 'shop.example.com';

describe('serve: body size and access log annotations', () => {
  let site: EchoUpstream;
  let serve: ServeProcess;

  before(async () => {
    site = await startEchoUpstream('site');
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'uploads',
        hosts: [QUIET],
        paths: [{ path: '/', service: 'site' }],
        annotations: {
          'nginx.ingress.kubernetes.io/proxy-body-size': '1k',
          'nginx.ingress.kubernetes.io/proxy-read-timeout': '30',
          'nginx.ingress.kubernetes.io/enable-access-log': 'false',
        },
      }),
      ingressWith({ name: 'shop', hosts: [LOUD], paths: [{ path: '/', service: 'site' }] }),
      ...serviceWithEndpoints('site', [site.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir, '--proxy-body-size', '10']);
  });

  after(async () => {
    await serve.stop();
    await site.close();
  });

  const post = (host: string, bytes: number) =>
    send(serve.httpPort, {
      method: 'POST',
      path: '/upload',
      headers: { host, 'content-length': String(bytes) },
      body: Buffer.alloc(bytes, 0x61),
    });

  test("the Ingress's proxy-body-size replaces the flag: 1k passes, one byte more is 413", async () => {
    assert.equal((await post(QUIET, 1024)).status, 200);
    const over = await post(QUIET, 1025);
    assert.equal(over.status, 413);
    assert.equal(over.headers['x-pointsman-error'], 'PM_ERR_BODY_TOO_LARGE');
  });

  test('the flag limits the Ingresses without the annotation', async () => {
    assert.equal((await post(LOUD, 10)).status, 200);
    assert.equal((await post(LOUD, 11)).status, 413);
  });

  test('enable-access-log "false": no line for the Ingress, lines for the others', async () => {
    await send(serve.httpPort, { path: '/quiet', headers: { host: QUIET } });
    await send(serve.httpPort, { path: '/loud', headers: { host: LOUD } });
    // Access log lines go to standard output, the process log to standard error.
    const access = (): Record<string, unknown>[] =>
      serve
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"component":"access"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await until(() => access().some((line) => line['path'] === '/loud'));
    assert.deepEqual(
      access().filter((line) => line['host'] === QUIET),
      [],
    );
    assert.ok(access().some((line) => line['host'] === LOUD && line['status'] === 413));
  });
});
