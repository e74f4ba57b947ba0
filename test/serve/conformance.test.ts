// The official Ingress conformance scenarios (kubernetes-sigs/ingress-controller-conformance,
// features/*.feature: default backend, host rules over plain HTTP, path rules, load balancing)
// against `pointsman serve`. The manifests are the golden inputs of the same scenarios, with
// their EndpointSlices replaced by echo servers on loopback (one per Pod, named after its
// Service), so a reply says which Service served it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  parseEcho,
  startEchoUpstream,
  type EchoReply,
  type EchoUpstream,
} from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { manifestDir, writeManifests } from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const GOLDEN = 'test/golden/translate';
const PODS_PER_SERVICE: Readonly<Record<string, number>> = { 'echo-service': 10 };

interface Scenario {
  serve: ServeProcess;
  upstreams: EchoUpstream[];
  request(
    method: string,
    host: string,
    path: string,
  ): Promise<{ status: number; by?: string; reply?: EchoReply; headers: Record<string, unknown> }>;
}

async function startScenario(file: string): Promise<Scenario> {
  const docs = parseAllDocuments(await readFile(join(GOLDEN, file), 'utf8')).map(
    (doc) =>
      doc.toJSON() as {
        kind: string;
        metadata: { name: string; namespace?: string };
        spec?: { ports?: { name?: string }[] };
      },
  );
  const upstreams: EchoUpstream[] = [];
  const objects: object[] = [];
  for (const doc of docs) {
    if (doc.kind === 'EndpointSlice') continue;
    objects.push(doc);
    if (doc.kind !== 'Service') continue;
    const portName = doc.spec?.ports?.[0]?.name;
    const count = PODS_PER_SERVICE[doc.metadata.name] ?? 1;
    for (let pod = 0; pod < count; pod++) {
      const upstream = await startEchoUpstream(doc.metadata.name);
      upstreams.push(upstream);
      objects.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${doc.metadata.name}-${String(pod)}`,
          namespace: doc.metadata.namespace,
          labels: { 'kubernetes.io/service-name': doc.metadata.name },
        },
        addressType: 'IPv4',
        ports: [{ ...(portName === undefined ? {} : { name: portName }), port: upstream.port }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      });
    }
  }
  const dir = await manifestDir();
  await writeManifests(join(dir, 'scenario.yaml'), objects);
  const serve = await startServeProcess('serve', ['--manifests', dir]);
  return {
    serve,
    upstreams,
    request: async (method, host, path) => {
      const reply = await send(serve.httpPort, {
        method,
        path,
        headers: { host, 'user-agent': 'Go-http-client/1.1' },
      });
      if (reply.status !== 200) return { status: reply.status, headers: reply.headers };
      const echoed = parseEcho(reply.body);
      return { status: reply.status, by: echoed.name, reply: echoed, headers: reply.headers };
    },
  };
}

async function stopScenario(scenario: Scenario | undefined): Promise<void> {
  if (scenario === undefined) return;
  await scenario.serve.stop();
  await Promise.all(scenario.upstreams.map((upstream) => upstream.close()));
}

describe('conformance: default backend', () => {
  let scenario: Scenario;
  before(async () => (scenario = await startScenario('conformance-default-backend.in.yaml')));
  after(() => stopScenario(scenario));
  const examples = [
    ['GET', 'my-host', '/'],
    ['GET', 'my-host', '/sub-path'],
    ['POST', 'some-host', '/'],
    ['PUT', '', '/resource'],
    ['DELETE', 'some-host', '/resource'],
    ['PATCH', 'my-host', '/resource'],
  ] as const;
  for (const [method, host, path] of examples) {
    test(`${method} http://${host}${path} goes to echo-service`, async () => {
      // A request with an empty host in the URL still carries the proxy's address as Host.
      const answer = await scenario.request(method, host === '' ? '127.0.0.1' : host, path);
      assert.equal(answer.status, 200);
      assert.equal(answer.by, 'echo-service');
      for (const header of ['content-length', 'content-type', 'date', 'server']) {
        assert.ok(answer.headers[header] !== undefined, `response has no ${header}`);
      }
      assert.equal(answer.reply?.method, method);
      assert.equal(answer.reply.url, path);
      assert.equal(answer.reply.headers['user-agent'], 'Go-http-client/1.1');
    });
  }
});

describe('conformance: load balancing', () => {
  let scenario: Scenario;
  before(async () => (scenario = await startScenario('conformance-default-backend.in.yaml')));
  after(() => stopScenario(scenario));
  test('100 requests reach all 10 pods', async () => {
    for (let i = 0; i < 100; i++) {
      const answer = await scenario.request('GET', 'load-balancing', '/');
      assert.equal(answer.status, 200);
    }
    const served = scenario.upstreams.filter((upstream) => upstream.requests > 0);
    assert.equal(served.length, 10, `only ${String(served.length)} of 10 pods served requests`);
  });
});

describe('conformance: host rules', () => {
  let scenario: Scenario;
  before(async () => (scenario = await startScenario('conformance-host-rules.in.yaml')));
  after(() => stopScenario(scenario));
  const cases = [
    ['foo.bar.com', 200, 'foo-bar-com'],
    ['subdomain.bar.com', 404, undefined],
    ['bar.foo.com', 200, 'wildcard-foo-com'],
    ['baz.bar.foo.com', 404, undefined],
    ['foo.com', 404, undefined],
  ] as const;
  for (const [host, status, service] of cases) {
    test(`http://${host} -> ${String(status)}`, async () => {
      const answer = await scenario.request('GET', host, '/');
      assert.equal(answer.status, status);
      assert.equal(answer.by, service);
      if (service) assert.equal(answer.reply?.headers.host, host);
    });
  }
});

describe('conformance: path rules', () => {
  let scenario: Scenario;
  before(async () => (scenario = await startScenario('conformance-path-rules.in.yaml')));
  after(() => stopScenario(scenario));
  const cases = [
    ['exact-path-rules', '/foo', 200, 'foo-exact'],
    ['exact-path-rules', '/foo/', 404, undefined],
    ['exact-path-rules', '/FOO', 404, undefined],
    ['exact-path-rules', '/bar', 404, undefined],
    ['prefix-path-rules', '/foo', 200, 'foo-prefix'],
    ['prefix-path-rules', '/foo/', 200, 'foo-prefix'],
    ['prefix-path-rules', '/FOO', 404, undefined],
    ['prefix-path-rules', '/aaa/bbb', 200, 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/bbb/ccc', 200, 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/ccc', 200, 'aaa-prefix'],
    ['prefix-path-rules', '/aaaccc', 404, undefined],
    ['mixed-path-rules', '/foo', 200, 'foo-exact'],
    ['trailing-slash-path-rules', '/aaa/bbb', 200, 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/aaa/bbb/', 200, 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/foo', 404, undefined],
  ] as const;
  for (const [host, path, status, service] of cases) {
    test(`http://${host}${path} -> ${String(status)} ${service ?? ''}`, async () => {
      const answer = await scenario.request('GET', host, path);
      assert.equal(answer.status, status);
      assert.equal(answer.by, service);
    });
  }
});
