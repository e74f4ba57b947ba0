import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { StickySessions, type StickyMode } from './sticky-sessions.ts';

function backend(hosts: readonly number[], id = 'shop/web:80'): Backend {
  const endpoints: Endpoint[] = hosts.map((host) => ({
    address: `10.1.0.${String(host)}`,
    port: 8080,
  }));
  return { id, namespace: 'shop', service: 'web', port: 80, endpoints, problem: null };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

/** 2,000 sessions made on `b`: cookie value and the endpoint's address. */
function sessions(sticky: StickySessions, b: Backend, mode: StickyMode): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < 2000; i++) {
    const session = sticky.create(b, mode);
    assert.ok(session !== undefined);
    out.set(session.value, session.endpoint.address);
  }
  return out;
}

for (const mode of ['balanced', 'persistent'] as const) {
  test(`${mode}: a cookie finds its endpoint; the value does not show the address`, () => {
    const sticky = new StickySessions();
    const b = backend(range(1, 6));
    for (const [value, address] of sessions(sticky, b, mode)) {
      assert.equal(sticky.find(b, mode, value)?.address, address);
      assert.match(value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{8}$/);
      assert.ok(!value.includes('10.1') && !value.includes('8080'));
    }
  });

  test(`${mode}: sessions keep their endpoint when others go, and move when theirs goes`, () => {
    const sticky = new StickySessions();
    const before = sessions(sticky, backend(range(1, 11)), mode);
    // Endpoints 3 and 7 go; a new table brings a new list (new objects, other order).
    const after = backend([10, 9, 8, 6, 5, 4, 2, 1]);
    let moved = 0;
    for (const [value, address] of before) {
      const now = sticky.find(after, mode, value)?.address;
      if (address === '10.1.0.3' || address === '10.1.0.7') {
        if (mode === 'persistent') assert.equal(now, undefined);
        else assert.ok(now !== undefined && now !== address);
        moved++;
      } else {
        assert.equal(now, address);
      }
    }
    // A persistent cookie is one value per endpoint: 10 values in all.
    if (mode === 'persistent') assert.equal(moved, 2);
    else assert.ok(moved > 200 && moved < 700, `${String(moved)} sessions were on the two gone`);
  });

  test(`${mode}: a session keeps its endpoint across any churn that keeps it`, () => {
    const sticky = new StickySessions();
    const b = backend(range(1, 6));
    const session = sticky.create(b, mode);
    assert.ok(session !== undefined);
    const own = Number(session.endpoint.address.split('.')[3]);
    let seed = 5;
    for (let round = 0; round < 200; round++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const others = range(1, 40).filter(
        (host) => host !== own && (seed >>> (host % 31)) % 3 === 0,
      );
      const now = sticky.find(backend([...others, own]), mode, session.value);
      if (mode === 'persistent') assert.equal(now?.address, session.endpoint.address);
      else if (others.length === 0) assert.equal(now?.address, session.endpoint.address);
    }
  });
}

test('balanced: when endpoints come, about 1/N of sessions move (ingress-nginx: rebalanced)', () => {
  const sticky = new StickySessions();
  const before = sessions(sticky, backend(range(1, 10)), 'balanced');
  const after = backend(range(1, 11));
  let moved = 0;
  for (const [value, address] of before) {
    const now = sticky.find(after, 'balanced', value)?.address;
    if (now !== address) {
      assert.equal(now, '10.1.0.10');
      moved++;
    }
  }
  assert.ok(moved > 80 && moved < 350, `${String(moved)} of 2000 moved`);
});

test('persistent: when endpoints come, no session moves', () => {
  const sticky = new StickySessions();
  const before = sessions(sticky, backend(range(1, 10)), 'persistent');
  const after = backend(range(1, 30));
  for (const [value, address] of before) {
    assert.equal(sticky.find(after, 'persistent', value)?.address, address);
  }
});

test('balanced cookies read the same on every replica; persistent ones with the same key', () => {
  const b = backend(range(1, 8));
  const key = Buffer.alloc(32, 7);
  const one = new StickySessions({ key });
  const other = new StickySessions({ key });
  const stranger = new StickySessions();
  for (const mode of ['balanced', 'persistent'] as const) {
    for (const [value, address] of sessions(one, b, mode)) {
      assert.equal(other.find(b, mode, value)?.address, address);
      if (mode === 'balanced') assert.equal(stranger.find(b, mode, value)?.address, address);
      else assert.equal(stranger.find(b, mode, value), undefined);
    }
  }
});

test('an altered, malformed or other backend cookie names nothing', () => {
  const sticky = new StickySessions();
  const b = backend(range(1, 4));
  const other = backend(range(1, 4), 'shop/api:80');
  for (const mode of ['balanced', 'persistent'] as const) {
    const session = sticky.create(b, mode);
    assert.ok(session !== undefined);
    const value = session.value;
    assert.equal(sticky.find(other, mode, value), undefined);
    assert.ok(sticky.belongsTo(b, value) && !sticky.belongsTo(other, value));
    const flipped = `${value[0] === 'A' ? 'B' : 'A'}${value.slice(1)}`;
    if (mode === 'persistent') assert.equal(sticky.find(b, mode, flipped), undefined);
    for (const bad of [
      '',
      value.slice(1),
      `${value}x`,
      value.replace('.', '|'),
      `${value.slice(0, 22)}.AAAAAAAA`,
      '10.1.0.1:8080',
    ]) {
      assert.equal(sticky.find(b, mode, bad), undefined, bad);
    }
  }
});

test('a new session avoids the endpoints a request failed on; none left gives undefined', () => {
  const sticky = new StickySessions();
  const b = backend([1, 2, 3]);
  const avoid = new Set(['10.1.0.1:8080', '10.1.0.2:8080']);
  for (const mode of ['balanced', 'persistent'] as const) {
    for (let i = 0; i < 50; i++)
      assert.equal(sticky.create(b, mode, avoid)?.endpoint.address, '10.1.0.3');
    assert.equal(sticky.create(b, mode, new Set([...avoid, '10.1.0.3:8080'])), undefined);
    assert.equal(sticky.create(backend([]), mode), undefined);
  }
});

test('retain drops the state of gone backends', () => {
  const sticky = new StickySessions();
  const b = backend([1, 2]);
  const session = sticky.create(b, 'persistent');
  sticky.retain(() => false);
  assert.equal(
    sticky.find(b, 'persistent', session?.value ?? '')?.address,
    session?.endpoint.address,
  );
});
