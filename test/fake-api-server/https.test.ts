import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startFakeApiServer, type FakeApiServer } from './index.ts';

let server: FakeApiServer;
let dir: string;
before(async () => {
  server = await startFakeApiServer({ https: true });
  dir = await mkdtemp(join(tmpdir(), 'fake-api-https-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function getJson(url: string, ca: string | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca, timeout: 10_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve(JSON.parse(text));
      });
    });
    request.on('error', reject);
  });
}

test('HTTPS with a self-signed certificate that verifies as its own CA', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(server.caCertificate ?? '', /^-----BEGIN CERTIFICATE-----/);
  const version = (await getJson(`${server.url}/version`, server.caCertificate)) as {
    major: string;
  };
  assert.equal(version.major, '1');
  await assert.rejects(getJson(`${server.url}/version`, undefined), 'an unknown CA is refused');
});

test('the kubeconfig embeds the CA for HTTPS', async () => {
  const file = await server.writeKubeconfig(dir);
  const config = parse(await readFile(file, 'utf8')) as {
    clusters: { cluster: Record<string, string> }[];
    'current-context': string;
  };
  const cluster = config.clusters[0]?.cluster ?? {};
  assert.equal(cluster['server'], server.url);
  assert.equal(
    Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString(),
    server.caCertificate,
  );
  assert.equal(cluster['insecure-skip-tls-verify'], undefined);
  assert.equal(config['current-context'], 'fake');
});

test('service-account files for in-cluster clients', async () => {
  const env = await server.writeServiceAccount(dir);
  assert.deepEqual(env, {
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(server.port),
  });
  const base = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
  assert.equal(await readFile(join(base, 'ca.crt'), 'utf8'), server.caCertificate);
  assert.equal(await readFile(join(base, 'namespace'), 'utf8'), 'default');
  assert.ok((await readFile(join(base, 'token'), 'utf8')).length > 0);
});

test('an HTTP server writes insecure-skip-tls-verify and refuses service-account files', async () => {
  const plain = await startFakeApiServer();
  try {
    const config = parse(await readFile(await plain.writeKubeconfig(dir), 'utf8')) as {
      clusters: { cluster: Record<string, unknown> }[];
    };
    assert.equal(config.clusters[0]?.cluster['insecure-skip-tls-verify'], true);
    await assert.rejects(plain.writeServiceAccount(dir), /needs \{ https: true \}/);
  } finally {
    await plain.close();
  }
});
