import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  KubeApiError,
  RESOURCES,
  connectKubeApi,
  type KubeResource,
  type WatchEvent,
} from '../../src/sources/kubernetes/index.ts';
import { serviceBody, startApi, until, type ApiFixture } from './support.ts';

const CONFIG_MAPS: KubeResource = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};

async function rejection(promise: Promise<unknown>): Promise<KubeApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KubeApiError, `not a KubeApiError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('the client-node adapter', () => {
  let fixture: ApiFixture;
  before(async () => {
    fixture = await startApi();
  });
  after(async () => {
    await fixture.close();
  });

  test('lists follow continue pages; items come raw, without kind', async () => {
    for (let i = 0; i < 1001; i++) {
      fixture.server.create('ConfigMap', {
        metadata: { name: `cm-${String(i)}`, namespace: 'pages' },
      });
    }
    fixture.server.clearRequests();
    const list = await fixture.api.list(CONFIG_MAPS, 'pages');
    assert.equal(list.items.length, 1001);
    assert.equal(list.resourceVersion, fixture.server.resourceVersion);
    const pages = fixture.server.requests.filter((request) => request.path.endsWith('/configmaps'));
    assert.deepEqual(
      pages.map((request) => request.query['limit']),
      ['500', '500', '500'],
    );
    assert.equal((list.items[0] as { kind?: string }).kind, undefined);
  });

  test('HTTP errors, timeouts and refused connections become KubeApiErrors', async () => {
    fixture.server.failNext(1, 403);
    const forbidden = await rejection(fixture.api.list(RESOURCES.Service, null));
    assert.deepEqual([forbidden.reason, forbidden.status, forbidden.expired], ['Http', 403, false]);
    assert.match(forbidden.message, /^HTTP 403: /);
    fixture.server.hangNext(1);
    const hung = await rejection(
      fixture.api.list(RESOURCES.Service, null, { signal: AbortSignal.timeout(100) }),
    );
    assert.equal(hung.reason, 'Timeout');
    const other = await startApi();
    const api = await connectKubeApi({ mode: 'kubeconfig', path: other.kubeconfig });
    await other.close();
    const refused = await rejection(api.list(RESOURCES.Service, null));
    assert.deepEqual([refused.reason, refused.status], ['Network', 0]);
  });

  test('watch: events in order, ERROR events passed on, abort and broken streams', async () => {
    const start = fixture.server.resourceVersion;
    const events: WatchEvent[] = [];
    const options = { resourceVersion: start, timeoutSeconds: 30, allowWatchBookmarks: true };
    const handle = fixture.api.watch(RESOURCES.Service, 'watched', options, (event) => {
      events.push(event);
    });
    fixture.server.create('Service', serviceBody('a', 80, 'watched'));
    fixture.server.delete('Service', { namespace: 'watched', name: 'a' });
    await until(() => events.filter((event) => event.type !== 'BOOKMARK').length === 2);
    assert.deepEqual(
      events.filter((event) => event.type !== 'BOOKMARK').map((event) => event.type),
      ['ADDED', 'DELETED'],
    );
    handle.abort();
    assert.deepEqual(await handle.done, { reason: 'aborted' });
    await until(() => fixture.server.openWatches === 0);

    const broken = fixture.api.watch(RESOURCES.Service, 'watched', options, () => undefined);
    await until(() => fixture.server.openWatches === 1);
    fixture.server.dropWatches();
    const end = await broken.done;
    assert.equal(end.reason, 'error');

    fixture.server.compact();
    const stale: WatchEvent[] = [];
    const expired = fixture.api.watch(RESOURCES.Service, 'watched', options, (event) => {
      stale.push(event);
    });
    assert.deepEqual(await expired.done, { reason: 'closed' });
    const [error] = stale;
    assert.ok(error);
    assert.equal(error.type, 'ERROR');
    assert.equal((error.object as { code?: number }).code, 410);

    fixture.server.failNext(1, 500);
    const failed = await fixture.api.watch(RESOURCES.Service, null, options, () => undefined).done;
    assert.ok(failed.reason === 'error' && failed.error.status === 500);
  });

  test('in-cluster over HTTPS with the service-account token and CA', async () => {
    const secure = await startApi({ https: true, token: 'sa-token' });
    const env = await secure.server.writeServiceAccount(secure.dir);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const api = await connectKubeApi({ mode: 'in-cluster', root: secure.dir });
      assert.equal(api.server, secure.server.url);
      secure.server.create('Service', serviceBody('in', 80, 'cluster'));
      const list = await api.list(RESOURCES.Service, 'cluster');
      assert.equal(list.items.length, 1);
    } finally {
      for (const key of Object.keys(env)) {
        if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
        else process.env[key] = saved[key];
      }
      await secure.close();
    }
  });

  test('a plain-HTTP kubeconfig without insecure-skip-tls-verify is refused at start', async () => {
    const path = join(fixture.dir, 'plain.kubeconfig');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    await assert.rejects(connectKubeApi({ mode: 'kubeconfig', path }), /insecure-skip-tls-verify/);
    await assert.rejects(connectKubeApi({ mode: 'kubeconfig', path: join(fixture.dir, 'none') }));
  });
});
