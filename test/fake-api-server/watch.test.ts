import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from './index.ts';
import { call, ingress, names, openWatch, take, until } from './testing.ts';

const ALL = '/apis/networking.k8s.io/v1/ingresses';

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer({ bookmarkIntervalMs: 50 });
});
after(async () => {
  await server.close();
});

test('headers come at once (chunked JSON) even when no event is due', async () => {
  const watch = await openWatch(
    server,
    `${ALL}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  try {
    assert.equal(watch.status, 200);
    assert.equal(watch.headers.get('content-type'), 'application/json');
    assert.equal(watch.headers.get('transfer-encoding'), 'chunked');
  } finally {
    watch.close();
  }
});

test('from a resourceVersion: replays the history after it, then live events', async () => {
  const start = server.resourceVersion;
  const created = server.create('Ingress', ingress('w1', 'replay'));
  server.update('Ingress', { ...created, spec: { rules: [] } });
  server.create('Service', { metadata: { name: 'not-an-ingress', namespace: 'replay' } });
  const watch = await openWatch(
    server,
    `/apis/networking.k8s.io/v1/namespaces/replay/ingresses?watch=1&resourceVersion=${start}`,
  );
  try {
    const replayed = await take(watch, 2);
    assert.deepEqual(names(replayed), ['ADDED w1', 'MODIFIED w1']);
    assert.equal(replayed[0]?.object.kind, 'Ingress', 'watch objects carry their kind');
    server.delete('Ingress', { namespace: 'replay', name: 'w1' });
    const [deleted] = await take(watch, 1);
    assert.equal(deleted?.type, 'DELETED');
    assert.equal(
      deleted.object.metadata.resourceVersion,
      server.resourceVersion,
      'a deletion has its own resourceVersion',
    );
  } finally {
    watch.close();
  }
});

test('without a resourceVersion (or 0): ADDED for current objects, then live', async () => {
  server.create('Ingress', ingress('s1', 'synth'));
  server.create('Ingress', ingress('s2', 'synth'));
  for (const version of ['', '&resourceVersion=0']) {
    const watch = await openWatch(
      server,
      `/apis/networking.k8s.io/v1/namespaces/synth/ingresses?watch=true${version}`,
    );
    try {
      assert.deepEqual(names(await take(watch, 2)), ['ADDED s1', 'ADDED s2']);
    } finally {
      watch.close();
    }
  }
});

test('a resourceVersion older than the history gives an ERROR 410 Expired event and ends', async () => {
  const old = server.resourceVersion;
  server.create('Ingress', ingress('c1', 'compact'));
  server.compact();
  const watch = await openWatch(server, `${ALL}?watch=true&resourceVersion=${old}`);
  const events = await watch.rest();
  assert.equal(events.length, 1);
  const [error] = events;
  assert.equal(error?.type, 'ERROR');
  assert.deepEqual(
    { code: error.object['code'], reason: error.object['reason'], kind: error.object.kind },
    { code: 410, reason: 'Expired', kind: 'Status' },
  );
  const current = await openWatch(
    server,
    `${ALL}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  try {
    server.create('Ingress', ingress('c2', 'compact'));
    assert.equal(
      (await current.next())?.type,
      'ADDED',
      'the current resourceVersion still works after compaction',
    );
  } finally {
    current.close();
  }
});

test('bookmarks carry only the current resourceVersion', async () => {
  const watch = await openWatch(
    server,
    `${ALL}?watch=true&allowWatchBookmarks=true&resourceVersion=${server.resourceVersion}`,
  );
  try {
    const [event] = await take(watch, 1);
    assert.equal(event?.type, 'BOOKMARK');
    assert.deepEqual(event.object, {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { resourceVersion: server.resourceVersion },
    });
  } finally {
    watch.close();
  }
});

test('sendInitialEvents: ADDED for current objects, then a bookmark marking their end', async () => {
  server.create('Ingress', ingress('i1', 'initial'));
  const watch = await openWatch(
    server,
    '/apis/networking.k8s.io/v1/namespaces/initial/ingresses?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
  );
  try {
    assert.deepEqual(names(await take(watch, 1)), ['ADDED i1']);
    const [end] = await take(watch, 1);
    assert.equal(end?.type, 'BOOKMARK');
    assert.deepEqual(end.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  } finally {
    watch.close();
  }
});

test('timeoutSeconds ends the response cleanly', async () => {
  const watch = await openWatch(
    server,
    `${ALL}?watch=true&timeoutSeconds=1&resourceVersion=${server.resourceVersion}`,
  );
  assert.deepEqual(await watch.rest(5000), []);
});

test('selectors filter events; objects moving in or out of the selection are ADDED or DELETED', async () => {
  const path = '/apis/networking.k8s.io/v1/namespaces/sel/ingresses';
  const watch = await openWatch(
    server,
    `${path}?watch=true&labelSelector=tier%3Dfront&resourceVersion=${server.resourceVersion}`,
  );
  try {
    server.create('Ingress', ingress('other', 'sel', { tier: 'back' }));
    const moving = server.create('Ingress', ingress('moving', 'sel', { tier: 'front' }));
    assert.deepEqual(names(await take(watch, 1)), ['ADDED moving']);
    const out = server.update('Ingress', {
      ...moving,
      metadata: { ...moving.metadata, labels: { tier: 'back' } },
    });
    assert.equal((await watch.next())?.type, 'DELETED');
    server.update('Ingress', { ...out, metadata: { ...out.metadata, labels: { tier: 'front' } } });
    assert.equal((await watch.next())?.type, 'ADDED');
  } finally {
    watch.close();
  }
  const named = await openWatch(server, `${path}?watch=true&fieldSelector=metadata.name%3Dother`);
  try {
    assert.deepEqual(names(await take(named, 1)), ['ADDED other']);
  } finally {
    named.close();
  }
});

test('a watch on one object by URL sees only that object', async () => {
  server.create('Ingress', ingress('one', 'by-url'));
  server.create('Ingress', ingress('two', 'by-url'));
  const watch = await openWatch(
    server,
    '/apis/networking.k8s.io/v1/watch/namespaces/by-url/ingresses/two',
  );
  try {
    assert.deepEqual(names(await take(watch, 1)), ['ADDED two']);
  } finally {
    watch.close();
  }
});

test('HTTP writes reach open watches', async () => {
  const watch = await openWatch(
    server,
    `${ALL}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  try {
    await call(
      server,
      'POST',
      '/apis/networking.k8s.io/v1/namespaces/http/ingresses',
      ingress('h1', 'http'),
    );
    await call(
      server,
      'PATCH',
      '/apis/networking.k8s.io/v1/namespaces/http/ingresses/h1/status',
      { status: { loadBalancer: {} } },
      'application/merge-patch+json',
    );
    assert.deepEqual(names(await take(watch, 2)), ['ADDED h1', 'MODIFIED h1']);
  } finally {
    watch.close();
  }
  await until(() => server.openWatches === 0);
});
