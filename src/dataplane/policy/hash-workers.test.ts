import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashWorkers } from './hash-workers.ts';

const BCRYPT = '$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS';

test('checks run on worker threads and answer match or mismatch', async () => {
  const workers = new HashWorkers({ threads: 2, queueLimit: 8 });
  try {
    const good = workers.check('bcrypt', BCRYPT, Buffer.from('wonder land'));
    const bad = workers.check('bcrypt', BCRYPT, Buffer.from('wonder'));
    const apr1 = workers.check(
      'apr1',
      '$apr1$dc3d6Xcz$RZfE39af5zOhuBu8rwXLo1',
      Buffer.from('b0b:pass'),
    );
    assert.deepEqual(await Promise.all([good, bad, apr1]), [true, false, true]);
    assert.equal(workers.pending, 0);
  } finally {
    await workers.close();
  }
});

test('the queue is bounded: past the limit a check is refused at once, not queued', async () => {
  const workers = new HashWorkers({ threads: 1, queueLimit: 3 });
  try {
    const password = Buffer.from('nope');
    const accepted = [1, 2, 3].map(() => workers.check('bcrypt', BCRYPT, password));
    assert.ok(accepted.every((check) => check !== null));
    assert.equal(workers.check('bcrypt', BCRYPT, password), null);
    assert.equal(workers.pending, 3);
    assert.deepEqual(await Promise.all(accepted), [false, false, false]);
    // Room again once they are done.
    assert.equal(await workers.check('bcrypt', BCRYPT, Buffer.from('wonder land')), true);
  } finally {
    await workers.close();
  }
  assert.equal(workers.check('bcrypt', BCRYPT, Buffer.from('x')), null, 'closed');
});
