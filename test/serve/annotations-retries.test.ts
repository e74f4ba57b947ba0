// proxy-next-upstream through `pointsman serve`: of a Service's two endpoints one answers 503;
// the Ingress that lists http_503 never shows it to a client (each such request is retried on
// the other endpoint, and the access log counts the retry), the Ingress without it does.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

const RETRIED = 'retried.example.com';
const PLAIN = 'plain.example.com';

describe('serve: proxy-next-upstream', () => {
  let fine: EchoUpstream;
  let busy: Server;
  let serve: ServeProcess;

  before(async () => {
    fine = await startEchoUpstream('fine');
    busy = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const dir = await manifestDir();
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'retried',
        hosts: [RETRIED],
        paths: [{ path: '/', service: 'app' }],
        annotations: {
          'nginx.ingress.kubernetes.io/proxy-next-upstream': 'error timeout http_503',
          'nginx.ingress.kubernetes.io/proxy-next-upstream-tries': '2',
          'nginx.ingress.kubernetes.io/proxy-next-upstream-timeout': '10',
        },
      }),
      ingressWith({ name: 'plain', hosts: [PLAIN], paths: [{ path: '/', service: 'app' }] }),
      ...serviceWithEndpoints('app', [(busy.address() as AddressInfo).port, fine.port]),
    ]);
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });

  after(async () => {
    await serve.stop();
    await fine.close();
    busy.closeAllConnections();
    await new Promise<void>((resolve) =>
      busy.close(() => {
        resolve();
      }),
    );
  });

  const statuses = async (host: string): Promise<number[]> => {
    const replies: number[] = [];
    for (let i = 0; i < 6; i++) {
      replies.push(
        (await send(serve.httpPort, { path: `/${host}/${String(i)}`, headers: { host } })).status,
      );
    }
    return replies;
  };

  test('with http_503, no client sees the 503: it is retried on the other endpoint', async () => {
    assert.deepEqual(await statuses(RETRIED), [200, 200, 200, 200, 200, 200]);
    const access = () =>
      serve
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"component":"access"') && line.includes(RETRIED))
        .map((line) => JSON.parse(line) as { retries: number });
    await until(() => access().length === 6);
    const lines = access();
    const retried = lines.filter((line) => line.retries === 1).length;
    assert.ok(retried >= 1 && retried <= 6, `${String(retried)} retried`);
    assert.ok(lines.every((line) => line.retries <= 1));
  });

  test('without the annotation, the 503 is relayed', async () => {
    assert.ok((await statuses(PLAIN)).includes(503));
  });
});
