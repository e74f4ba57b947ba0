import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeApiError, startFakeApiServer, type FakeApiServer } from './index.ts';
import { ingress } from './testing.ts';

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer();
});
after(async () => {
  await server.close();
});

test('create stamps identity, uid, timestamp, generation and a global resourceVersion', () => {
  const before = Number(server.resourceVersion);
  const created = server.create('Ingress', ingress('stamp'));
  assert.equal(created.apiVersion, 'networking.k8s.io/v1');
  assert.equal(created.kind, 'Ingress');
  assert.equal(created.metadata.namespace, 'default');
  assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(created.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.metadata.generation, 1);
  assert.equal(created.metadata.resourceVersion, String(before + 1));
  const service = server.create('Service', {
    metadata: { name: 'svc', namespace: 'web' },
    spec: { ports: [] },
  });
  assert.equal(service.metadata.resourceVersion, String(before + 2), 'one counter for all kinds');
  assert.equal(server.resourceVersion, String(before + 2));
});

test('get, list (with selectors and namespaces) and delete', () => {
  server.create('Ingress', ingress('l1', 'ns-a', { app: 'x' }));
  server.create('Ingress', ingress('l2', 'ns-b', { app: 'y' }));
  assert.equal(server.get('Ingress', { namespace: 'ns-a', name: 'l1' })?.metadata.name, 'l1');
  assert.equal(
    server.get('Ingress', { metadata: { namespace: 'ns-a', name: 'l1' } })?.metadata.name,
    'l1',
  );
  assert.equal(server.get('Ingress', { namespace: 'ns-b', name: 'l1' }), undefined);
  assert.deepEqual(
    server.list('Ingress', { labelSelector: 'app in (x,y)' }).map((o) => o.metadata.name),
    ['l1', 'l2'],
  );
  assert.deepEqual(
    server.list('Ingress', { namespace: 'ns-b' }).map((o) => o.metadata.name),
    ['l2'],
  );
  assert.deepEqual(
    server.list('Ingress', { fieldSelector: 'metadata.name=l1' }).map((o) => o.metadata.namespace),
    ['ns-a'],
  );
  assert.equal(server.delete('Ingress', { namespace: 'ns-a', name: 'l1' })?.metadata.name, 'l1');
  assert.equal(server.delete('Ingress', { namespace: 'ns-a', name: 'l1' }), undefined);
  assert.equal(server.get('Ingress', { namespace: 'ns-a', name: 'l1' }), undefined);
});

test('update: generation follows spec changes, status is written as given, stale versions conflict', () => {
  const created = server.create('Ingress', ingress('upd'));
  const relabeled = server.update('Ingress', {
    ...created,
    metadata: { ...created.metadata, labels: { a: 'b' } },
  });
  assert.equal(relabeled.metadata.generation, 1, 'a metadata change keeps the generation');
  assert.notEqual(relabeled.metadata.resourceVersion, created.metadata.resourceVersion);
  const respecced = server.update('Ingress', { ...relabeled, spec: { rules: [] } });
  assert.equal(respecced.metadata.generation, 2);
  const withStatus = server.update('Ingress', {
    ...respecced,
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
  });
  assert.deepEqual(withStatus['status'], { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } });
  assert.equal(withStatus.metadata.generation, 2);
  assert.equal(withStatus.metadata.uid, created.metadata.uid);
  assert.throws(
    () => server.update('Ingress', { ...created, spec: {} }),
    (error: unknown) =>
      error instanceof FakeApiError && error.code === 409 && error.reason === 'Conflict',
  );
});

test('an update that changes nothing keeps the resourceVersion', () => {
  const created = server.create('ConfigMap', { metadata: { name: 'same' }, data: { a: 'b' } });
  const again = server.update('ConfigMap', created);
  assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion);
});

test('errors: AlreadyExists, NotFound, Invalid names, unknown kinds', () => {
  server.create('IngressClass', { metadata: { name: 'dup' }, spec: { controller: 'x' } });
  assert.throws(
    () => server.create('IngressClass', { metadata: { name: 'dup' } }),
    (error: unknown) =>
      error instanceof FakeApiError && error.reason === 'AlreadyExists' && error.code === 409,
  );
  assert.throws(
    () => server.update('IngressClass', { metadata: { name: 'nope' } }),
    (error: unknown) => error instanceof FakeApiError && error.reason === 'NotFound',
  );
  assert.throws(
    () => server.create('Service', { metadata: { name: '1-starts-with-digit' } }),
    (error: unknown) => error instanceof FakeApiError && error.code === 422,
  );
  assert.throws(() => server.create('Pod', { metadata: { name: 'p' } }), /unknown kind "Pod"/);
});

test('Secret stringData becomes base64 data; cluster-scoped kinds lose a namespace', () => {
  const secret = server.create('Secret', {
    metadata: { name: 's', namespace: 'web' },
    type: 'Opaque',
    data: { kept: 'a2VwdA==' },
    stringData: { password: 'hunter2' },
  });
  assert.deepEqual(secret['data'], {
    kept: 'a2VwdA==',
    password: Buffer.from('hunter2').toString('base64'),
  });
  assert.equal(secret['stringData'], undefined);
  const ingressClass = server.create('IngressClass', {
    metadata: { name: 'cls', namespace: 'ignored' },
  });
  assert.equal(ingressClass.metadata.namespace, undefined);
});

test('both Event kinds are reachable; apiVersion disambiguates', () => {
  const core = server.create('Event', { metadata: { name: 'e1' }, reason: 'Sync' });
  assert.equal(core.apiVersion, 'v1');
  const modern = server.create('events.k8s.io/v1/Event', {
    metadata: { name: 'e1' },
    reason: 'Sync',
  });
  assert.equal(modern.apiVersion, 'events.k8s.io/v1');
  const viaBody = server.create('Event', {
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'e2' },
  });
  assert.equal(viaBody.apiVersion, 'events.k8s.io/v1');
});

test('returned objects are copies', () => {
  const created = server.create('ConfigMap', { metadata: { name: 'copy' }, data: { a: 'b' } });
  (created['data'] as Record<string, string>)['a'] = 'changed';
  assert.deepEqual(server.get('ConfigMap', { namespace: 'default', name: 'copy' })?.['data'], {
    a: 'b',
  });
});

test('the default namespace exists from the start', () => {
  assert.deepEqual(server.get('Namespace', { name: 'default' })?.['status'], { phase: 'Active' });
});
