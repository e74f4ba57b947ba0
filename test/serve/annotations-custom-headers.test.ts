// custom-headers through `pointsman serve --manifests`: the allowed keys of the ConfigMap are
// set on the answers of the Ingress's routes (replacing the upstream's), the others are left
// out with a problem; an edit of the ConfigMap file reaches the answers without a restart; an
// Ingress naming a missing ConfigMap is served without the headers, with a problem naming it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
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

const CUSTOM_HEADERS = 'nginx.ingress.kubernetes.io/custom-headers';

/** An Ingress of one host whose `/` goes to Service app, with custom-headers naming `configMap`. */
function annotated(name: string, host: string, configMap: string): object {
  const annotations = { [CUSTOM_HEADERS]: configMap };
  return ingressWith({ name, hosts: [host], paths: [{ path: '/', service: 'app' }], annotations });
}

function headersMap(frameOptions: string): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'headers', namespace: 'default' },
    data: {
      'X-Frame-Options': frameOptions,
      'Content-Type': 'text/x-custom',
      'X-Not-Allowed': 'yes',
    },
  };
}

interface Result {
  kind: string;
  name: string;
  state: string;
  problems: { code: string; message: string }[];
}

describe('serve: custom-headers', () => {
  let upstream: EchoUpstream;
  let serve: ServeProcess;
  let file: string;
  let objects: (frameOptions: string) => object[];

  before(async () => {
    upstream = await startEchoUpstream('app');
    const dir = await manifestDir();
    file = join(dir, 'all.yaml');
    objects = (frameOptions) => [
      INGRESS_CLASS,
      headersMap(frameOptions),
      annotated('with-headers', 'headers.example.com', 'default/headers'),
      annotated('missing', 'missing.example.com', 'default/absent'),
      ...serviceWithEndpoints('app', [upstream.port]),
    ];
    await writeManifests(file, objects('DENY'));
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--allowed-response-headers',
      'x-frame-options,Content-Type',
    ]);
  });

  after(async () => {
    await serve.stop();
    await upstream.close();
  });

  test('the allowed keys of the ConfigMap are set on the answers, replacing the upstream', async () => {
    const reply = await send(serve.httpPort, { headers: { host: 'headers.example.com' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-frame-options'], 'DENY');
    assert.equal(reply.headers['content-type'], 'text/x-custom');
    assert.equal(reply.headers['x-not-allowed'], undefined);
    const other = await send(serve.httpPort, { headers: { host: 'missing.example.com' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['x-frame-options'], undefined);
  });

  test('the problems name the key that is not allowed and the missing ConfigMap', async () => {
    const response = await fetch(`http://127.0.0.1:${String(serve.statusPort)}/debug/results`);
    const { results } = (await response.json()) as { results: Result[] };
    const messages = (name: string): string =>
      (results.find((r) => r.kind === 'Ingress' && r.name === name)?.problems ?? [])
        .map((p) => p.message)
        .join('\n');
    assert.match(messages('with-headers'), /X-Not-Allowed" is not set: .*--allowed-response/);
    assert.match(messages('missing'), /ConfigMap default\/absent not found/);
    const used = results.find((r) => r.kind === 'ConfigMap' && r.name === 'headers');
    assert.equal(used?.state, 'Accepted');
  });

  test('an edit of the ConfigMap reaches the answers without a restart', async () => {
    await writeManifests(file, objects('SAMEORIGIN'));
    const deadline = Date.now() + 10_000;
    let seen: unknown;
    while (Date.now() < deadline) {
      const reply = await send(serve.httpPort, { headers: { host: 'headers.example.com' } });
      seen = reply.headers['x-frame-options'];
      if (seen === 'SAMEORIGIN') break;
      await delay(20);
    }
    assert.equal(seen, 'SAMEORIGIN');
  });
});
