import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../objects/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { FakeClock } from '../../store/index.ts';
import { FakeKubeApi } from './fake-kube-api.ts';
import { KubeApiError } from './kube-api.ts';
import { Reflector } from './reflector.ts';
import { RESOURCES } from './resources.ts';

/** Lets pending promise callbacks run (the fake API answers asynchronously). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = new FakeClock();
  const api = new FakeKubeApi();
  const seen: string[] = [];
  const reflector = new Reflector({
    api,
    clock,
    resource: RESOURCES.Service,
    namespace: null,
    logger: silentLogger(),
    random: () => 0,
    inactivityMs: 1_000,
    listTimeoutMs: 5_000,
    watchTimeoutSeconds: 100,
    backoff: { initialMs: 100, maxMs: 400, random: () => 0.999_999 },
    handler: {
      replace: (objects: readonly KubeObject[]) =>
        seen.push(`LIST ${objects.map((o) => o.metadata.name).join(',')}`),
      apply: (type, object) => seen.push(`${type} ${object.metadata.name}`),
    },
  });
  return { clock, api, seen, reflector };
}

const service = (name: string, resourceVersion: string) => ({
  metadata: { name, namespace: 'default', resourceVersion },
});
const fail = (status: number) => () => {
  throw new KubeApiError('Http', status, `HTTP ${String(status)}`);
};

describe('Reflector on a fake clock', () => {
  test('a failing list is retried after 100, 200, 400, 400 ms', async () => {
    const { clock, api, reflector } = setup();
    for (let i = 0; i < 4; i++) api.answerList(fail(500));
    reflector.start();
    const callsAt: number[] = [];
    for (let t = 0; t <= 1200; t += 50) {
      await settle();
      while (callsAt.length < api.lists.length) callsAt.push(clock.now());
      clock.advance(50);
    }
    assert.deepEqual(callsAt, [0, 100, 300, 700, 1100]);
    assert.equal(reflector.hasSynced, true);
    await reflector.stop();
  });

  test('watches from the list version with bookmarks and a jittered server timeout', async () => {
    const { api, seen, reflector } = setup();
    api.answerList({ items: [service('a', '5')], resourceVersion: '10' });
    reflector.start();
    await reflector.synced;
    await settle();
    const watch = api.watches[0];
    assert.deepEqual(watch?.options, {
      resourceVersion: '10',
      timeoutSeconds: 100,
      allowWatchBookmarks: true,
    });
    watch.send({ type: 'ADDED', object: service('b', '11') });
    watch.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } });
    watch.end({ reason: 'closed' });
    await settle();
    assert.equal(api.watches[1]?.options.resourceVersion, '15', 'resumes from the bookmark');
    assert.deepEqual(seen, ['LIST a', 'ADDED b']);
    assert.equal(api.lists.length, 1);
    await reflector.stop();
  });

  test('an ERROR 410 event lists again at once; a silent watch is cut after 1 s', async () => {
    const { clock, api, reflector } = setup();
    reflector.start();
    await settle();
    api.watches[0]?.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } });
    api.watches[0]?.send({ type: 'ERROR', object: { kind: 'Status', code: 410 } });
    await settle();
    assert.equal(api.watches[0]?.aborted, true);
    assert.equal(api.lists.length, 2, 'listed again without waiting');
    await settle();
    const silent = api.watches[1];
    assert.ok(silent);
    clock.advance(999);
    assert.equal(silent.aborted, false);
    clock.advance(1);
    assert.equal(silent.aborted, true);
    await settle();
    clock.advance(100);
    await settle();
    assert.equal(api.watches.length, 3, 'watched again after the backoff');
    assert.equal(api.lists.length, 2);
    assert.equal(reflector.stats().lastError, 'inactivity timeout');
    await reflector.stop();
  });

  test('410 at once after every list backs off instead of spinning', async () => {
    const { clock, api, reflector } = setup();
    const expire = async (): Promise<void> => {
      api.watches.at(-1)?.end({ reason: 'error', error: new KubeApiError('Http', 410, 'Gone') });
      await settle();
    };
    reflector.start();
    await settle();
    await expire();
    assert.equal(api.lists.length, 1);
    clock.advance(100);
    await settle();
    assert.equal(api.lists.length, 2);
    await settle();
    await expire();
    clock.advance(199);
    await settle();
    assert.equal(api.lists.length, 2, 'the second expiry waits longer');
    clock.advance(1);
    await settle();
    assert.equal(api.lists.length, 3);
    await reflector.stop();
    assert.equal(clock.pendingTimers, 0, 'stop leaves no timer behind');
  });
});
