// What only a real API server shows: pointsman (as deploy/'s ServiceAccount) converging again
// after the API server and etcd restart under load, a watch from a compacted resourceVersion
// answered 410 with the watch cache off, bookmarks, and lists paged over thousands of objects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  RESOURCES,
  Reflector,
  connectKubeApi,
  type KubeApi,
  type WatchEvent,
} from '../../src/sources/kubernetes/index.ts';
import { startRealApiServer, type RealApiServer } from '../real-api-server/index.ts';
import { REAL_CLUSTER, startRealCluster, type RealTestCluster } from './clusters.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { FAST_TIMING, capturingLogger, recordingHandler, until } from './support.ts';
import { get, untilStatus } from './traffic.ts';

describe('against a real kube-apiserver only', { skip: REAL_CLUSTER.skip }, () => {
  describe('restarts under load', () => {
    let cluster: RealTestCluster;
    let controller: ControllerProcess;
    let port: number;

    // What before() started, closed in reverse order even when before() failed halfway.
    const started: (() => Promise<unknown>)[] = [];

    before(async () => {
      cluster = await startRealCluster(2);
      started.push(() => cluster.close());
      await cluster.kubectl.apply(
        [
          BASE_MANIFESTS,
          sliceYaml(cluster.pods.port, cluster.pods.addresses),
          ingressYaml('shop', 'step-0.example.com'),
        ].join('---\n'),
      );
      controller = await startController(['--kubeconfig', cluster.controllerKubeconfig]);
      started.push(() => controller.stop());
      port = await controller.serving;
      await untilStatus(port, 'step-0.example.com', 200);
    });
    after(async () => {
      for (const close of started.reverse()) await close();
    });

    /** Applies `yaml` once the API server accepts it again (it may still be reconnecting). */
    async function applyWhenUp(yaml: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ready = await cluster.server.request('GET', '/readyz').catch(() => null);
        if (ready?.status === 200) break;
        assert.ok(Date.now() < deadline, 'the API server never became ready again');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await cluster.kubectl.apply(yaml);
    }

    test('traffic never fails while the API server, then etcd, restart; edits converge after each', async (t) => {
      const failures: string[] = [];
      let answered = 0;
      const load = { stop: false };
      const loop = (async () => {
        const started = Date.now();
        // Bounded in count and time (the restarts take well under 2 minutes).
        while (!load.stop && answered < 200_000 && Date.now() - started < 180_000) {
          const reply = await get(port, 'step-0.example.com').catch((error: unknown) => ({
            status: 0,
            body: String(error),
          }));
          if (reply.status !== 200) failures.push(`${String(reply.status)} ${reply.body}`);
          answered++;
        }
      })();
      try {
        for (const [step, component] of [
          [1, 'apiserver'],
          [2, 'etcd'],
        ] as const) {
          const before = answered;
          // Down long enough for the watches to fail and be retried a few times.
          const restartedAt = Date.now();
          await cluster.server.restart(component, 3_000);
          const upAt = Date.now();
          const host = `step-${String(step)}.example.com`;
          await applyWhenUp(
            [
              ingressYaml('shop', 'step-0.example.com'),
              ingressYaml(`shop-${String(step)}`, host),
            ].join('---\n'),
          );
          const appliedAt = Date.now();
          await untilStatus(port, host, 200, 60_000);
          t.diagnostic(
            `${component}: down and up again in ${String(upAt - restartedAt)} ms, ` +
              `edit accepted after ${String(appliedAt - upAt)} ms, routed ${String(Date.now() - appliedAt)} ms later`,
          );
          assert.ok(answered > before, `requests were answered while ${component} restarted`);
        }
      } finally {
        load.stop = true;
        await loop;
      }
      assert.deepEqual(failures, [], `${String(failures.length)} of ${String(answered)} failed`);
      assert.equal(controller.child.exitCode, null, 'the controller was never restarted');
      const watchFailures = controller.logs.filter((line) =>
        /watch (failed|ended|silent)|list failed/.test(String(line['msg'])),
      );
      assert.ok(watchFailures.length > 0, 'the controller saw its watches break');
    });
  });

  describe('watches and lists (client-node adapter and Reflector)', () => {
    let server: RealApiServer;
    let api: KubeApi;

    before(async () => {
      // No watch cache: every watch is served from etcd, so compaction reaches it at once.
      server = await startRealApiServer({ watchCache: false });
      api = await connectKubeApi({ mode: 'kubeconfig', path: server.adminKubeconfig });
    });
    after(async () => {
      await server.close();
    });

    test('a watch from a compacted resourceVersion is refused with 410', async () => {
      await createNamespaces(server, ['compacted']);
      const listed = await api.list(RESOURCES.ConfigMap, 'compacted');
      for (let i = 0; i < 5; i++) await putConfigMap(server, 'compacted', 'a', String(i));
      await compactEtcd(server);
      const events: WatchEvent[] = [];
      const handle = api.watch(
        RESOURCES.ConfigMap,
        'compacted',
        { resourceVersion: listed.resourceVersion, timeoutSeconds: 10, allowWatchBookmarks: true },
        (event) => events.push(event),
      );
      const end = await handle.done;
      // The API server says it either way: HTTP 410, or an ERROR event with code 410.
      const errorCode = events
        .filter((event) => event.type === 'ERROR')
        .map((event) => (event.object as { code?: number }).code);
      const refused = (end.reason === 'error' && end.error.expired) || errorCode.includes(410);
      assert.ok(refused, `end ${JSON.stringify(end)}, events ${JSON.stringify(events)}`);
    });

    test('after compaction the Reflector lists again and misses nothing', async () => {
      await createNamespaces(server, ['relist', 'elsewhere']);
      await putConfigMap(server, 'relist', 'first', '1');
      const handler = recordingHandler();
      const { logger, lines } = capturingLogger();
      const reflector = new Reflector({
        ...FAST_TIMING,
        api,
        resource: RESOURCES.ConfigMap,
        namespace: 'relist',
        handler,
        logger,
      });
      reflector.start();
      try {
        await reflector.synced;
        // History moves on elsewhere, is compacted, and the watch breaks: the Reflector must
        // come back from a resourceVersion etcd no longer has.
        for (let i = 0; i < 5; i++) await putConfigMap(server, 'elsewhere', 'noise', String(i));
        await compactEtcd(server);
        await server.restart('apiserver');
        await putConfigMap(server, 'relist', 'second', '2');
        await until(() => handler.objects.has('second'), 30_000);
        assert.ok(
          lines.some((line) => line.msg === 'resourceVersion expired; listing again'),
          JSON.stringify(lines.map((line) => line.msg)),
        );
        assert.ok(handler.lists.length >= 2, 'listed again');
        assert.deepEqual([...handler.objects.keys()].sort(), ['first', 'second']);
      } finally {
        await reflector.stop();
      }
    });

    test('a list of 3,000 objects arrives whole, in pages', async () => {
      await createNamespaces(server, ['many']);
      const count = 3_000;
      const names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
      const queue = [...names];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
            await putConfigMap(server, 'many', name, name);
          }
        }),
      );
      const listsBefore = await configMapLists(server);
      const listed = await api.list(RESOURCES.ConfigMap, 'many');
      const listsAfter = await configMapLists(server);
      const got = listed.items.map(
        (item) => (item as { metadata: { name: string } }).metadata.name,
      );
      assert.deepEqual([...got].sort(), names);
      // 500 a page: at least six requests for one list.
      assert.ok(listsAfter - listsBefore >= 6, `${String(listsAfter - listsBefore)} LIST requests`);
    });
  });

  describe('bookmarks (the watch cache on, as by default)', () => {
    let server: RealApiServer;
    let api: KubeApi;

    before(async () => {
      server = await startRealApiServer();
      api = await connectKubeApi({ mode: 'kubeconfig', path: server.adminKubeconfig });
    });
    after(async () => {
      await server.close();
    });

    test('a quiet watch gets a bookmark carrying the newer resourceVersion of changes elsewhere', async () => {
      await createNamespaces(server, ['quiet', 'busy']);
      const listed = await api.list(RESOURCES.ConfigMap, 'quiet');
      const events: WatchEvent[] = [];
      // The watch cache sends a bookmark at the newest resourceVersion it has seen, about once
      // a minute and two seconds before a watch's timeout; it needs changes of this kind to
      // have happened since the watch began, so the busy namespace changes every 250 ms.
      const handle = api.watch(
        RESOURCES.ConfigMap,
        'quiet',
        { resourceVersion: listed.resourceVersion, timeoutSeconds: 8, allowWatchBookmarks: true },
        (event) => events.push(event),
      );
      let busyVersion = '';
      const watching = { ended: false };
      void handle.done.then(() => (watching.ended = true));
      for (let i = 0; i < 40 && !watching.ended; i++) {
        const version = await putConfigMap(server, 'busy', 'x', String(i));
        busyVersion ||= version;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const end = await handle.done;
      assert.equal(end.reason, 'closed');
      const bookmarks = events.filter((event) => event.type === 'BOOKMARK');
      assert.ok(bookmarks.length > 0, `events: ${JSON.stringify(events)}`);
      const version = (bookmarks.at(-1)?.object as { metadata: { resourceVersion: string } })
        .metadata.resourceVersion;
      assert.ok(BigInt(version) >= BigInt(busyVersion), `${version} >= ${busyVersion}`);
      assert.deepEqual(
        events.filter((event) => event.type !== 'BOOKMARK'),
        [],
        'nothing happened in the quiet namespace',
      );
    });
  });
});

/** How many LIST requests for configmaps the API server has answered (its own metric). */
async function configMapLists(server: RealApiServer): Promise<number> {
  const reply = await server.request('GET', '/metrics');
  let total = 0;
  for (const line of String(reply.body).split('\n')) {
    if (
      line.startsWith('apiserver_request_total{') &&
      line.includes('resource="configmaps"') &&
      line.includes('verb="LIST"')
    ) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

async function createNamespaces(server: RealApiServer, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const reply = await server.request('POST', '/api/v1/namespaces', { metadata: { name } });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  }
}

/** Creates or replaces ConfigMap namespace/name; resolves with its new resourceVersion. */
async function putConfigMap(
  server: RealApiServer,
  namespace: string,
  name: string,
  value: string,
): Promise<string> {
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { value },
  };
  let reply = await server.request('POST', path, body);
  if (reply.status === 409) reply = await server.request('PUT', `${path}/${name}`, body);
  assert.ok(reply.status === 200 || reply.status === 201, JSON.stringify(reply.body));
  return (reply.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

/** Compacts etcd's history up to its newest revision (etcd's JSON gateway). */
async function compactEtcd(server: RealApiServer): Promise<void> {
  const range = await server.etcd('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  const revision = (range.body as { header: { revision: string } }).header.revision;
  const reply = await server.etcd('/v3/kv/compaction', { revision, physical: true });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}
