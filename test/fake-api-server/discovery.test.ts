import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from './index.ts';
import { call } from './testing.ts';

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer({ minorVersion: 28 });
});
after(async () => {
  await server.close();
});

test('/version reports the configured minor', async () => {
  const { body } = await call(server, 'GET', '/version');
  assert.deepEqual(
    { major: body['major'], minor: body['minor'], gitVersion: body['gitVersion'] },
    { major: '1', minor: '28', gitVersion: 'v1.28.0' },
  );
});

test('/api and /apis list the served groups', async () => {
  const api = await call(server, 'GET', '/api');
  assert.equal(api.body['kind'], 'APIVersions');
  assert.deepEqual(api.body['versions'], ['v1']);
  const apis = await call(server, 'GET', '/apis');
  assert.equal(apis.body['kind'], 'APIGroupList');
  const groups = apis.body['groups'] as {
    name: string;
    preferredVersion: { groupVersion: string };
  }[];
  assert.deepEqual(
    groups.map((group) => group.name),
    [
      'networking.k8s.io',
      'discovery.k8s.io',
      'coordination.k8s.io',
      'events.k8s.io',
      'apps',
      'rbac.authorization.k8s.io',
      'policy',
    ],
  );
  assert.equal(groups[0]?.preferredVersion.groupVersion, 'networking.k8s.io/v1');
  const group = await call(server, 'GET', '/apis/discovery.k8s.io');
  assert.equal(group.body['kind'], 'APIGroup');
  assert.equal((await call(server, 'GET', '/apis/batch')).status, 404);
});

test('an aggregated-discovery Accept gets the plain format as application/json', async () => {
  const response = await fetch(`${server.url}/apis`, {
    headers: {
      accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    },
  });
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.equal(((await response.json()) as { kind: string }).kind, 'APIGroupList');
});

test('resource lists name kinds, verbs, short names and status subresources', async () => {
  const core = await call(server, 'GET', '/api/v1');
  assert.equal(core.body['kind'], 'APIResourceList');
  assert.equal(core.body['groupVersion'], 'v1');
  const resources = core.body['resources'] as {
    name: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    verbs: string[];
  }[];
  const service = resources.find((resource) => resource.name === 'services');
  assert.ok(service);
  assert.deepEqual(service.shortNames, ['svc']);
  assert.ok(service.verbs.includes('watch'));
  assert.ok(resources.some((resource) => resource.name === 'services/status'));
  assert.equal(resources.find((resource) => resource.name === 'namespaces')?.namespaced, false);
  const networking = await call(server, 'GET', '/apis/networking.k8s.io/v1');
  const names = (networking.body['resources'] as { name: string; shortNames?: string[] }[]).map(
    (resource) => resource.name,
  );
  assert.deepEqual(names, ['ingresses', 'ingresses/status', 'ingressclasses', 'networkpolicies']);
  assert.equal((await call(server, 'GET', '/apis/networking.k8s.io/v2')).status, 404);
});

test('OpenAPI v3: an index and one document per group version with GVKs and fieldValidation', async () => {
  const index = await call(server, 'GET', '/openapi/v3');
  const paths = index.body['paths'] as Record<string, { serverRelativeURL: string }>;
  assert.deepEqual(Object.keys(paths).sort(), [
    'api/v1',
    'apis/apps/v1',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/events.k8s.io/v1',
    'apis/networking.k8s.io/v1',
    'apis/policy/v1',
    'apis/rbac.authorization.k8s.io/v1',
  ]);
  const url = paths['apis/networking.k8s.io/v1']?.serverRelativeURL ?? '';
  assert.match(url, /^\/openapi\/v3\/apis\/networking\.k8s\.io\/v1\?hash=[0-9A-F]+$/);
  const document = await call(server, 'GET', url);
  const item = (document.body['paths'] as Record<string, Record<string, Record<string, unknown>>>)[
    '/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}'
  ];
  assert.deepEqual(item?.['patch']?.['x-kubernetes-group-version-kind'], {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
  });
  const parameters = item['patch']['parameters'] as { name: string }[];
  assert.ok(parameters.some((parameter) => parameter.name === 'fieldValidation'));
  assert.equal((await call(server, 'GET', '/openapi/v3/apis/batch/v1')).status, 404);
});

test('OpenAPI v2: JSON on request, protobuf for kubectl', async () => {
  const json = await call(server, 'GET', '/openapi/v2');
  assert.equal(json.body['swagger'], '2.0');
  const response = await fetch(`${server.url}/openapi/v2`, {
    headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
  });
  assert.equal(
    response.headers.get('content-type'),
    'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
  );
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(bytes[0], 0x0a, 'field 1 (swagger), length-delimited');
  assert.equal(bytes.subarray(2, 2 + (bytes[1] ?? 0)).toString(), '2.0');
  assert.ok(bytes.includes('x-kubernetes-group-version-kind'));
  assert.ok(bytes.includes('/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}'));
});

test('health endpoints answer ok; unknown paths and methods are Status errors', async () => {
  const health = await fetch(`${server.url}/readyz`);
  assert.equal(await health.text(), 'ok');
  assert.equal((await call(server, 'GET', '/nope')).status, 404);
  assert.equal((await call(server, 'POST', '/version', {})).status, 405);
});
