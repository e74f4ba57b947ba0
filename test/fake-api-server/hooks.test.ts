import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from './index.ts';
import { call, ingress, names, openWatch, take, until } from './testing.ts';

const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer();
});
after(async () => {
  await server.close();
});

test('failNext: the next n requests get the status with a Status body, then service resumes', async () => {
  server.failNext(2, 503);
  const first = await call(server, 'GET', ING);
  assert.equal(first.status, 503);
  assert.deepEqual(
    { kind: first.body['kind'], code: first.body['code'], reason: first.body['reason'] },
    { kind: 'Status', code: 503, reason: 'ServiceUnavailable' },
  );
  assert.equal((await call(server, 'GET', ING)).status, 503);
  assert.equal((await call(server, 'GET', ING)).status, 200);
  server.failNext(1);
  assert.equal((await call(server, 'GET', '/version')).status, 500, 'the default status is 500');
});

test('failNext with a predicate fails only matching requests', async () => {
  server.failNext(1, 403, (request) => request.method === 'PATCH');
  assert.equal((await call(server, 'POST', ING, ingress('pred'))).status, 201);
  const patched = await call(
    server,
    'PATCH',
    `${ING}/pred`,
    { metadata: { labels: { a: 'b' } } },
    'application/merge-patch+json',
  );
  assert.equal(patched.status, 403);
  assert.equal(patched.body['reason'], 'Forbidden');
  assert.equal(
    (await call(server, 'PATCH', `${ING}/pred`, {}, 'application/merge-patch+json')).status,
    200,
  );
});

test('hangNext: the request is accepted and never answered until the server cuts it', async () => {
  const hung = await startFakeApiServer();
  try {
    hung.hangNext(1, (request) => request.path === '/version');
    const pending = fetch(`${hung.url}/version`, { signal: AbortSignal.timeout(10_000) });
    await until(() => hung.requests.some((request) => request.path === '/version'));
    assert.equal(
      (await call(hung, 'GET', '/api')).status,
      200,
      'other requests are served meanwhile',
    );
    assert.equal(hung.requests.find((request) => request.path === '/version')?.status, 0);
    await hung.close();
    await assert.rejects(pending);
  } finally {
    await hung.close();
  }
});

test('requests log records method, path, query, content type and status', async () => {
  server.clearRequests();
  await call(server, 'GET', `${ING}?labelSelector=a%3Db&limit=5`);
  await call(server, 'PATCH', `${ING}/missing`, {}, 'application/merge-patch+json');
  assert.deepEqual(
    server.requests.map((request) => ({ ...request })),
    [
      {
        method: 'GET',
        path: ING,
        query: { labelSelector: 'a=b', limit: '5' },
        contentType: '',
        status: 200,
      },
      {
        method: 'PATCH',
        path: `${ING}/missing`,
        query: {},
        contentType: 'application/merge-patch+json',
        status: 404,
      },
    ],
  );
});

test('dropWatches cuts every open watch', async () => {
  const watch = await openWatch(
    server,
    `${ING}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  await until(() => server.openWatches === 1);
  server.dropWatches();
  await assert.rejects(watch.rest(), 'the stream ends abruptly, not cleanly');
  await until(() => server.openWatches === 0);
});

test('restart: same port, same store, watches cut; watching on from the last version works', async () => {
  const watch = await openWatch(
    server,
    `${ING}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  server.create('Ingress', ingress('before-restart'));
  const [seen] = await take(watch, 1);
  const lastSeen = seen?.object.metadata.resourceVersion ?? '';
  let refused = false;
  await server.restart(async () => {
    refused = await fetch(`${server.url}/version`).then(
      () => false,
      () => true,
    );
    server.create('Ingress', ingress('while-down'));
  });
  assert.equal(refused, true, 'connections are refused while down');
  await assert.rejects(watch.rest());
  assert.ok(server.get('Ingress', { namespace: 'default', name: 'before-restart' }));
  const resumed = await openWatch(server, `${ING}?watch=true&resourceVersion=${lastSeen}`);
  try {
    assert.deepEqual(names(await take(resumed, 1)), ['ADDED while-down']);
  } finally {
    resumed.close();
  }
});

test('a token, when configured, is required (401 without it)', async () => {
  const guarded = await startFakeApiServer({ token: 'secret' });
  try {
    const denied = await call(guarded, 'GET', '/api');
    assert.equal(denied.status, 401);
    assert.equal(denied.body['reason'], 'Unauthorized');
    const allowed = await fetch(`${guarded.url}/api`, {
      headers: { authorization: 'Bearer secret' },
    });
    assert.equal(allowed.status, 200);
    assert.equal((await fetch(`${guarded.url}/healthz`)).status, 200);
  } finally {
    await guarded.close();
  }
});
