import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from './index.ts';
import { call, ingress } from './testing.ts';

const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer();
});
after(async () => {
  await server.close();
});

function metadataOf(body: Record<string, unknown>): Record<string, unknown> {
  return body['metadata'] as Record<string, unknown>;
}

test('POST creates (201); a second POST is 409 AlreadyExists; GET of a missing name is a 404 Status', async () => {
  const created = await call(server, 'POST', ING, ingress('a'));
  assert.equal(created.status, 201);
  assert.equal(metadataOf(created.body)['name'], 'a');
  assert.equal(created.headers.get('content-type'), 'application/json');
  const again = await call(server, 'POST', ING, ingress('a'));
  assert.equal(again.status, 409);
  assert.equal(again.body['reason'], 'AlreadyExists');
  assert.equal(again.body['message'], 'ingresses.networking.k8s.io "a" already exists');
  const missing = await call(server, 'GET', `${ING}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(
    {
      kind: missing.body['kind'],
      status: missing.body['status'],
      reason: missing.body['reason'],
      code: missing.body['code'],
    },
    { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 },
  );
  assert.deepEqual(missing.body['details'], {
    name: 'nope',
    group: 'networking.k8s.io',
    kind: 'ingresses',
  });
});

test('PUT with a stale resourceVersion is 409 Conflict; with the current one it succeeds', async () => {
  const created = await call(server, 'POST', ING, ingress('put'));
  const first = { ...created.body, spec: { rules: [] } };
  const updated = await call(server, 'PUT', `${ING}/put`, first);
  assert.equal(updated.status, 200);
  assert.equal(metadataOf(updated.body)['generation'], 2);
  const stale = await call(server, 'PUT', `${ING}/put`, first);
  assert.equal(stale.status, 409);
  assert.equal(stale.body['reason'], 'Conflict');
  const mismatch = await call(server, 'PUT', `${ING}/other`, updated.body);
  assert.equal(mismatch.status, 400);
});

test('status subresource: /status writes change only status; normal writes keep status', async () => {
  const created = await call(server, 'POST', ING, { ...ingress('st'), status: { ignored: true } });
  assert.equal(created.body['status'], undefined, 'create drops status');
  const status = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } };
  const written = await call(server, 'PUT', `${ING}/st/status`, {
    ...created.body,
    spec: { rules: [{ host: 'changed.example.com' }] },
    status,
  });
  assert.equal(written.status, 200);
  assert.deepEqual(written.body['status'], status);
  assert.deepEqual(written.body['spec'], created.body['spec'], 'a status write ignores spec');
  assert.equal(metadataOf(written.body)['generation'], 1);
  const patched = await call(
    server,
    'PATCH',
    `${ING}/st/status`,
    {
      status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } },
      metadata: { labels: { x: 'y' } },
    },
    'application/merge-patch+json',
  );
  assert.deepEqual(patched.body['status'], {
    loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] },
  });
  assert.deepEqual(metadataOf(patched.body)['labels'], {}, 'a status patch ignores metadata');
  const normal = await call(server, 'PUT', `${ING}/st`, { ...patched.body, status: {} });
  assert.deepEqual(normal.body['status'], patched.body['status'], 'a normal update keeps status');
  const viaPatch = await call(
    server,
    'PATCH',
    `${ING}/st`,
    { status: null },
    'application/merge-patch+json',
  );
  assert.deepEqual(viaPatch.body['status'], patched.body['status'], 'a normal patch keeps status');
  const read = await call(server, 'GET', `${ING}/st/status`);
  assert.deepEqual(read.body['status'], patched.body['status']);
});

test('PATCH: merge, JSON and strategic merge patches; a stale resourceVersion in a patch is 409', async () => {
  const svc = '/api/v1/namespaces/web/services';
  await call(server, 'POST', svc, {
    metadata: { name: 'svc' },
    spec: {
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443 },
      ],
    },
  });
  const strategic = await call(
    server,
    'PATCH',
    `${svc}/svc`,
    { spec: { ports: [{ port: 443, targetPort: 8443 }] } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(strategic.status, 200);
  assert.deepEqual((strategic.body['spec'] as Record<string, unknown>)['ports'], [
    { name: 'http', port: 80 },
    { name: 'https', port: 443, targetPort: 8443 },
  ]);
  const merge = await call(
    server,
    'PATCH',
    `${svc}/svc`,
    { metadata: { labels: { a: 'b' } } },
    'application/merge-patch+json',
  );
  assert.deepEqual(metadataOf(merge.body)['labels'], { a: 'b' });
  const json = await call(
    server,
    'PATCH',
    `${svc}/svc`,
    [{ op: 'replace', path: '/metadata/labels/a', value: 'c' }],
    'application/json-patch+json',
  );
  assert.deepEqual(metadataOf(json.body)['labels'], { a: 'c' });
  const failed = await call(
    server,
    'PATCH',
    `${svc}/svc`,
    [{ op: 'test', path: '/metadata/labels/a', value: 'z' }],
    'application/json-patch+json',
  );
  assert.equal(failed.status, 422);
  const stale = await call(
    server,
    'PATCH',
    `${svc}/svc`,
    { metadata: { resourceVersion: '1' } },
    'application/merge-patch+json',
  );
  assert.equal(stale.status, 409);
  const missing = await call(server, 'PATCH', `${svc}/none`, {}, 'application/merge-patch+json');
  assert.equal(missing.status, 404);
  const unknown = await call(server, 'PATCH', `${svc}/svc`, {}, 'text/plain');
  assert.equal(unknown.status, 415);
});

test('server-side apply: creates when missing, merges when present, needs fieldManager, takes YAML', async () => {
  const path = '/apis/coordination.k8s.io/v1/namespaces/default/leases/lock';
  const body = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'lock' },
    spec: { holderIdentity: 'a' },
  };
  const created = await call(
    server,
    'PATCH',
    `${path}?fieldManager=test&force=true`,
    body,
    'application/apply-patch+yaml',
  );
  assert.equal(created.status, 201);
  const yaml =
    'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: lock\nspec:\n  leaseDurationSeconds: 15\n';
  const merged = await call(
    server,
    'PATCH',
    `${path}?fieldManager=test`,
    yaml,
    'application/apply-patch+yaml',
  );
  assert.equal(merged.status, 200);
  assert.deepEqual(merged.body['spec'], { holderIdentity: 'a', leaseDurationSeconds: 15 });
  const noManager = await call(server, 'PATCH', path, body, 'application/apply-patch+yaml');
  assert.equal(noManager.status, 422);
});

test('dryRun=All validates and answers without storing; fieldValidation values are checked', async () => {
  const before = server.resourceVersion;
  const dry = await call(
    server,
    'POST',
    `${ING}?dryRun=All&fieldValidation=Strict`,
    ingress('dry'),
  );
  assert.equal(dry.status, 201);
  assert.equal(server.get('Ingress', { namespace: 'default', name: 'dry' }), undefined);
  const invalid = await call(server, 'POST', `${ING}?dryRun=All`, ingress('Not_Valid'));
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body['reason'], 'Invalid');
  assert.equal((await call(server, 'POST', `${ING}?dryRun=Yes`, ingress('x'))).status, 400);
  assert.equal(
    (await call(server, 'POST', `${ING}?fieldValidation=Loose`, ingress('x'))).status,
    400,
  );
  await call(server, 'POST', ING, ingress('dry-delete'));
  const kept = await call(server, 'DELETE', `${ING}/dry-delete?dryRun=All`);
  assert.equal(kept.status, 200);
  assert.ok(server.get('Ingress', { namespace: 'default', name: 'dry-delete' }));
  assert.notEqual(server.resourceVersion, before);
});

test('lists: kind, apiVersion, resourceVersion, bare items, selectors, all namespaces, paging', async () => {
  for (const [name, namespace, tier] of [
    ['l1', 'list-a', 'front'],
    ['l2', 'list-b', 'back'],
    ['l3', 'list-b', 'front'],
  ] as const) {
    await call(
      server,
      'POST',
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
      ingress(name, namespace, { tier }),
    );
  }
  const all = await call(server, 'GET', '/apis/networking.k8s.io/v1/ingresses?labelSelector=tier');
  assert.equal(all.body['kind'], 'IngressList');
  assert.equal(all.body['apiVersion'], 'networking.k8s.io/v1');
  assert.equal(metadataOf(all.body)['resourceVersion'], server.resourceVersion);
  const items = all.body['items'] as Record<string, unknown>[];
  assert.deepEqual(
    items.map((item) => metadataOf(item)['name']),
    ['l1', 'l2', 'l3'],
  );
  assert.equal(items[0]?.['kind'], undefined, 'list items carry no kind, as on a real server');
  const scoped = await call(
    server,
    'GET',
    '/apis/networking.k8s.io/v1/namespaces/list-b/ingresses?labelSelector=tier%3Dfront',
  );
  assert.deepEqual(
    (scoped.body['items'] as Record<string, unknown>[]).map((item) => metadataOf(item)['name']),
    ['l3'],
  );
  const fields = await call(
    server,
    'GET',
    '/apis/networking.k8s.io/v1/ingresses?fieldSelector=metadata.namespace!%3Dlist-b,metadata.name%3Dl1',
  );
  assert.deepEqual(
    (fields.body['items'] as Record<string, unknown>[]).map((item) => metadataOf(item)['name']),
    ['l1'],
  );
  const page = await call(
    server,
    'GET',
    '/apis/networking.k8s.io/v1/ingresses?labelSelector=tier&limit=2',
  );
  assert.equal((page.body['items'] as unknown[]).length, 2);
  assert.equal(metadataOf(page.body)['remainingItemCount'], 1);
  const token = String(metadataOf(page.body)['continue']);
  const next = await call(
    server,
    'GET',
    `/apis/networking.k8s.io/v1/ingresses?labelSelector=tier&limit=2&continue=${token}`,
  );
  assert.deepEqual(
    (next.body['items'] as Record<string, unknown>[]).map((item) => metadataOf(item)['name']),
    ['l3'],
  );
  assert.equal(metadataOf(next.body)['continue'], undefined);
  assert.equal((await call(server, 'GET', '/api/v1/secrets?fieldSelector=spec.x%3Dy')).status, 400);
  assert.equal((await call(server, 'GET', '/api/v1/secrets?labelSelector=a%20b')).status, 400);
  assert.equal((await call(server, 'GET', '/api/v1/secrets?continue=garbage')).status, 400);
});

test('DELETE answers a Success Status; deletecollection deletes what matches', async () => {
  const created = await call(server, 'POST', ING, ingress('del'));
  const stale = await call(server, 'DELETE', `${ING}/del`, {
    preconditions: { resourceVersion: '1' },
  });
  assert.equal(stale.status, 409);
  const deleted = await call(server, 'DELETE', `${ING}/del`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    propagationPolicy: 'Background',
  });
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body['status'], 'Success');
  assert.deepEqual(deleted.body['details'], {
    name: 'del',
    group: 'networking.k8s.io',
    kind: 'ingresses',
    uid: metadataOf(created.body)['uid'],
  });
  assert.equal((await call(server, 'DELETE', `${ING}/del`)).status, 404);
  await call(server, 'POST', '/api/v1/namespaces/dc/configmaps', {
    metadata: { name: 'c1', labels: { drop: 'yes' } },
  });
  await call(server, 'POST', '/api/v1/namespaces/dc/configmaps', { metadata: { name: 'c2' } });
  const collection = await call(
    server,
    'DELETE',
    '/api/v1/namespaces/dc/configmaps?labelSelector=drop%3Dyes',
  );
  assert.equal(collection.body['kind'], 'ConfigMapList');
  assert.deepEqual(
    server.list('ConfigMap', { namespace: 'dc' }).map((o) => o.metadata.name),
    ['c2'],
  );
});

test('create: Secret stringData, generateName, namespace from the URL, mismatches rejected', async () => {
  const secret = await call(server, 'POST', '/api/v1/namespaces/web/secrets', {
    metadata: { name: 's' },
    stringData: { k: 'v' },
  });
  assert.deepEqual(secret.body['data'], { k: Buffer.from('v').toString('base64') });
  const generated = await call(server, 'POST', '/api/v1/namespaces/web/configmaps', {
    metadata: { generateName: 'cm-' },
  });
  assert.match(String(metadataOf(generated.body)['name']), /^cm-[0-9a-f]{5}$/);
  assert.equal(metadataOf(generated.body)['namespace'], 'web');
  const wrongNamespace = await call(server, 'POST', ING, { ...ingress('wn', 'elsewhere') });
  assert.equal(wrongNamespace.status, 400);
  const wrongKind = await call(server, 'POST', ING, { ...ingress('wk'), kind: 'Service' });
  assert.equal(wrongKind.status, 400);
  const withVersion = await call(server, 'POST', ING, {
    ...ingress('wv'),
    metadata: { name: 'wv', resourceVersion: '5' },
  });
  assert.equal(withVersion.status, 400);
});

test('bad input never crashes the server', async () => {
  assert.equal((await call(server, 'POST', ING, '{not json')).status, 400);
  assert.equal((await call(server, 'POST', ING, '[1,2]')).status, 400);
  assert.equal((await call(server, 'POST', ING, 'null')).status, 400);
  assert.equal(
    (await call(server, 'POST', ING, ingress('x'), 'application/vnd.kubernetes.protobuf')).status,
    415,
  );
  assert.equal((await call(server, 'POST', ING, '"a": [', 'application/yaml')).status, 400);
  assert.equal((await call(server, 'POST', `${ING}/named`, ingress('named'))).status, 405);
  assert.equal(
    (await call(server, 'POST', '/apis/networking.k8s.io/v1/ingresses', ingress('n'))).status,
    405,
  );
  assert.equal(
    (await call(server, 'GET', '/apis/networking.k8s.io/v1/namespaces/x/ingressclasses')).status,
    404,
  );
  assert.equal(
    (await call(server, 'GET', '/apis/networking.k8s.io/v1/ingresses/cluster-path-for-namespaced'))
      .status,
    404,
  );
  assert.equal((await call(server, 'GET', '/api/v1/namespaces/default/pods')).status, 404);
  assert.equal((await call(server, 'GET', '/api/v1/namespaces/%E0%A4%A')).status, 404);
  assert.equal((await call(server, 'GET', `${ING}?watch=1&resourceVersion=abc`)).status, 400);
  const big = JSON.stringify({ ...ingress('big'), data: 'x'.repeat(4 * 1024 * 1024) });
  const tooLarge = await call(server, 'POST', ING, big);
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.body['reason'], 'RequestEntityTooLarge');
  assert.equal((await call(server, 'GET', '/version')).status, 200, 'still serving');
});
