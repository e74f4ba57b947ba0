import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ObjectKind, StoredObject } from '../objects/index.ts';
import { FakeClock } from './fake-clock.ts';
import { ObjectStore, type ChangeNotice } from './object-store.ts';

function service(name: string, port = 80, source: 'file' | 'kubernetes' = 'file'): StoredObject {
  return object('Service', name, { spec: { ports: [{ port }] } }, source);
}

function object(
  kind: ObjectKind,
  name: string,
  body: Record<string, unknown>,
  source: 'file' | 'kubernetes' = 'file',
): StoredObject {
  const apiVersion = kind === 'Service' || kind === 'Secret' ? 'v1' : 'networking.k8s.io/v1';
  return {
    kind,
    namespace: 'default',
    name,
    object: { apiVersion, kind, metadata: { name, namespace: 'default' }, ...body },
    origin: source === 'file' ? { source, file: 'a.yaml', document: 0 } : { source },
    sequence: 0,
  };
}

/** A store on a fake clock that counts notifications and keeps what they said. */
function setup(sourcePriority?: readonly string[]) {
  const clock = new FakeClock();
  const store = new ObjectStore(sourcePriority ? { clock, sourcePriority } : { clock });
  const notices: { readonly at: number; readonly notice: ChangeNotice }[] = [];
  store.onChange((notice) => {
    notices.push({ at: clock.now(), notice });
  });
  return { clock, store, notices, notifications: () => notices.length };
}

describe('ObjectStore', () => {
  test('a reload notifies once, after the debounce', () => {
    const { clock, store, notifications } = setup();
    assert.equal(store.replaceSource('files', [service('a'), service('b')]), true);
    clock.advance(19);
    assert.equal(notifications(), 0);
    clock.advance(1);
    assert.equal(notifications(), 1);
    assert.deepEqual(
      store.snapshot().services.map((s) => s.name),
      ['a', 'b'],
    );
  });

  test('an identical reload (new but equal objects) triggers nothing', () => {
    const { clock, store, notifications } = setup();
    store.replaceSource('files', [service('a'), service('b')]);
    clock.advance(1000);
    const generation = store.generation;
    const snapshot = store.snapshot();
    assert.equal(store.replaceSource('files', [service('b'), service('a')]), false);
    clock.advance(1000);
    assert.equal(notifications(), 1);
    assert.equal(store.generation, generation);
    assert.equal(store.snapshot(), snapshot, 'the cached snapshot is kept');
  });

  test('a changed, added or removed object in a reload is a change', () => {
    const { clock, store, notifications } = setup();
    store.replaceSource('files', [service('a'), service('b')]);
    clock.advance(1000);
    assert.equal(store.replaceSource('files', [service('a'), service('b', 81)]), true);
    clock.advance(1000);
    assert.equal(store.replaceSource('files', [service('a')]), true);
    clock.advance(1000);
    assert.equal(store.replaceSource('files', [service('a'), service('c')]), true);
    clock.advance(1000);
    assert.equal(notifications(), 4);
    assert.deepEqual(
      store.snapshot().services.map((s) => s.name),
      ['a', 'c'],
    );
  });

  test('an empty first load of a source is no change', () => {
    const { clock, store, notifications } = setup();
    assert.equal(store.replaceSource('files', []), false);
    clock.advance(1000);
    assert.equal(notifications(), 0);
  });

  test('upsert and remove stream single changes; no-ops trigger nothing', () => {
    const { clock, store, notifications } = setup();
    assert.equal(store.upsert('kube', service('a', 80, 'kubernetes')), true);
    assert.equal(store.upsert('kube', service('a', 80, 'kubernetes')), false);
    assert.equal(store.upsert('kube', service('a', 81, 'kubernetes')), true);
    clock.advance(100);
    assert.equal(notifications(), 1, 'the burst is one notification');
    assert.equal(store.remove('kube', 'Service', 'default', 'missing'), false);
    assert.equal(store.remove('kube', 'Ingress', 'default', 'a'), false);
    clock.advance(1000);
    assert.equal(notifications(), 1);
    assert.equal(store.remove('kube', 'Service', 'default', 'a'), true);
    clock.advance(100);
    assert.equal(notifications(), 2);
    assert.deepEqual(store.snapshot().services, []);
  });

  test('snapshot groups by kind and merges sources', () => {
    const { store } = setup();
    store.replaceSource('files', [service('a'), object('Ingress', 'web', { spec: {} })]);
    store.upsert('kube', service('b', 80, 'kubernetes'));
    const snapshot = store.snapshot();
    assert.deepEqual(
      snapshot.services.map((s) => s.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      snapshot.ingresses.map((s) => s.name),
      ['web'],
    );
  });

  test('the same object in two sources: the first in sourcePriority wins', () => {
    const { store } = setup(['kube', 'files']);
    store.replaceSource('files', [service('a', 80)]);
    store.upsert('kube', service('a', 90, 'kubernetes'));
    assert.equal(store.snapshot().services.length, 1);
    assert.equal(store.snapshot().services[0]?.origin.source, 'kubernetes');
    store.remove('kube', 'Service', 'default', 'a');
    assert.equal(store.snapshot().services[0]?.origin.source, 'file');
  });

  test('without sourcePriority, sources rank by id', () => {
    const { store } = setup();
    store.upsert('b-source', service('a', 90, 'kubernetes'));
    store.replaceSource('a-source', [service('a', 80)]);
    assert.equal(store.snapshot().services[0]?.origin.source, 'file');
  });

  test('removeSource forgets all of a source; flush notifies at once; close cancels', () => {
    const { clock, store, notifications } = setup();
    store.replaceSource('files', [service('a')]);
    store.flush();
    assert.equal(notifications(), 1);
    assert.equal(store.removeSource('files'), true);
    assert.equal(store.removeSource('files'), false);
    store.close();
    clock.advance(1000);
    assert.equal(notifications(), 1);
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(store.snapshot().services, []);
  });

  test('a lone change is told to the listeners 20 ms after it arrived, with its wait', () => {
    const { clock, store, notices } = setup();
    clock.advance(5000);
    store.upsert('kube', service('a', 80, 'kubernetes'));
    assert.equal(store.pendingSince, 5000);
    clock.advance(19);
    assert.deepEqual(notices, []);
    clock.advance(1);
    assert.deepEqual(notices, [
      { at: 5020, notice: { firstChangeAt: 5000, waitedMs: 20, changes: 1 } },
    ]);
    assert.equal(store.pendingSince, null);
  });

  test('a burst of changes is one notice, never later than 250 ms after its first change', () => {
    const { clock, store, notices } = setup();
    // 100 objects, one every 5 ms (500 ms of changes, never 20 ms of quiet).
    for (let i = 0; i < 100; i++) {
      store.upsert('kube', service(`s${String(i)}`, 80, 'kubernetes'));
      clock.advance(5);
    }
    clock.advance(20);
    assert.deepEqual(
      notices.map(({ at, notice }) => [at, notice.firstChangeAt, notice.waitedMs, notice.changes]),
      [
        [250, 0, 250, 50],
        [500, 250, 250, 50],
      ],
    );
    assert.equal(store.snapshot().services.length, 100);
  });

  test('no-op writes are not counted as changes of a notice', () => {
    const { clock, store, notices } = setup();
    store.upsert('kube', service('a', 80, 'kubernetes'));
    store.upsert('kube', service('a', 80, 'kubernetes'));
    store.remove('kube', 'Service', 'default', 'missing');
    clock.advance(20);
    assert.equal(notices[0]?.notice.changes, 1);
  });

  test('a listener that unsubscribes hears nothing more', () => {
    const { clock, store } = setup();
    let heard = 0;
    const unsubscribe = store.onChange(() => {
      heard++;
    });
    store.replaceSource('files', [service('a')]);
    clock.advance(100);
    unsubscribe();
    store.replaceSource('files', [service('b')]);
    clock.advance(100);
    assert.equal(heard, 1);
  });
});
