import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturingLogger } from '../../test/helpers/capturing-logger.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock } from '../store/index.ts';
import { elapse, settle } from './test-support.ts';
import { TokenBucket } from './token-bucket.ts';
import { statusWriterObject, WorkQueue } from './work-queue.ts';

test('a key added while it runs runs once more afterwards, never twice at once', async () => {
  const clock = new FakeClock();
  const runs: string[] = [];
  let running = 0;
  let release: (() => void) | undefined;
  const queue = new WorkQueue({
    clock,
    logger: silentLogger(),
    process: async (key) => {
      running += 1;
      assert.equal(running, 1);
      runs.push(key);
      await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
    },
  });
  queue.add('a');
  queue.add('a');
  await settle();
  queue.add('a');
  queue.add('a');
  release?.();
  await settle();
  release?.();
  await queue.idle();
  assert.deepEqual(runs, ['a', 'a']);
});

test('a failing key is retried after 1 s, 2 s, 4 s ...', async () => {
  const clock = new FakeClock();
  const times: number[] = [];
  const queue = new WorkQueue({
    clock,
    logger: silentLogger(),
    process: () => {
      times.push(clock.now());
      return Promise.reject(new Error('boom'));
    },
  });
  queue.add('a');
  await elapse(clock, 8_000);
  assert.deepEqual(times, [0, 1000, 3000, 7000]);
  await queue.close();
  await elapse(clock, 60_000, 1_000);
  assert.equal(times.length, 4, 'no retries after close');
});

test('the token bucket lets a burst through, then one token per 1/rate', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ perSecond: 10, burst: 3, clock });
  let taken = 0;
  for (let i = 0; i < 10; i++) void bucket.take().then(() => (taken += 1));
  await settle();
  assert.equal(taken, 3);
  await elapse(clock, 100, 10);
  assert.equal(taken, 4);
  await elapse(clock, 600, 10);
  assert.equal(taken, 10);
  await elapse(clock, 10_000, 1_000);
  assert.equal(bucket.available, 3, 'refills up to the burst only');
});

test('a failed key is logged with the kind, namespace and name of its object', async () => {
  const clock = new FakeClock();
  const { logger, lines } = capturingLogger('info');
  const queue = new WorkQueue({
    clock,
    logger: logger.child({ component: 'status' }),
    process: () => Promise.reject(new Error('boom')),
    objectOf: statusWriterObject,
  });
  queue.add('s:shop/storefront');
  queue.add('other-key');
  await settle();
  await queue.close();
  const fields = lines.map(({ kind, namespace, name, key, component }) => ({
    kind,
    namespace,
    name,
    key,
    component,
  }));
  assert.deepEqual(fields, [
    {
      kind: 'Ingress',
      namespace: 'shop',
      name: 'storefront',
      key: 's:shop/storefront',
      component: 'status',
    },
    {
      kind: undefined,
      namespace: undefined,
      name: undefined,
      key: 'other-key',
      component: 'status',
    },
  ]);
  assert.equal(lines[0]?.['msg'], 'status update failed');
});

test('the status writer keys name Ingresses, for status and Events alike', () => {
  assert.deepEqual(statusWriterObject('s:shop/storefront'), {
    kind: 'Ingress',
    namespace: 'shop',
    name: 'storefront',
  });
  assert.deepEqual(statusWriterObject('e:team/a.b'), {
    kind: 'Ingress',
    namespace: 'team',
    name: 'a.b',
  });
  assert.equal(statusWriterObject('x:shop/storefront'), null);
  assert.equal(statusWriterObject('s:no-slash'), null);
});
