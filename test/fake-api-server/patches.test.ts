import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJsonPatch } from './json-patch.ts';
import type { Json } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

test('merge patch (RFC 7386): merges objects, null deletes, arrays replace', () => {
  const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] };
  const patch = { a: 'z', c: { f: null }, list: [3], added: { x: 1 } };
  assert.deepEqual(applyMergePatch(target, patch), {
    a: 'z',
    c: { d: 'e' },
    list: [3],
    added: { x: 1 },
  });
  assert.deepEqual(
    target,
    { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] },
    'the target is not modified',
  );
  assert.deepEqual(applyMergePatch({ a: 1 }, 'scalar'), 'scalar');
});

test('merge patch: a __proto__ key is stored as data, not as a prototype', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Json;
  const result = applyMergePatch({}, patch) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.keys(result), ['__proto__']);
});

test('JSON patch (RFC 6902): every operation', () => {
  const document = { a: { b: 'c' }, list: ['x', 'y'], 'sl/ash': 1, 'ti~lde': 2 };
  const result = applyJsonPatch(document, [
    { op: 'add', path: '/a/d', value: 'e' },
    { op: 'add', path: '/list/1', value: 'inserted' },
    { op: 'add', path: '/list/-', value: 'last' },
    { op: 'remove', path: '/sl~1ash' },
    { op: 'replace', path: '/ti~0lde', value: 3 },
    { op: 'move', from: '/a/b', path: '/moved' },
    { op: 'copy', from: '/list/0', path: '/copied' },
    { op: 'test', path: '/copied', value: 'x' },
  ]);
  assert.ok(result.ok);
  assert.deepEqual(result.value, {
    a: { d: 'e' },
    list: ['x', 'inserted', 'y', 'last'],
    'ti~lde': 3,
    moved: 'c',
    copied: 'x',
  });
  assert.deepEqual(document.list, ['x', 'y'], 'the target is not modified');
});

test('JSON patch: failures are reported with 422 (does not fit) or 400 (malformed)', () => {
  const document = { a: 1, list: [1] };
  const cases: [Json, number][] = [
    [[{ op: 'test', path: '/a', value: 2 }], 422],
    [[{ op: 'remove', path: '/missing' }], 422],
    [[{ op: 'replace', path: '/list/5', value: 1 }], 422],
    [[{ op: 'add', path: '/x/y', value: 1 }], 422],
    [[{ op: 'move', from: '/list', path: '/list/0' }], 422],
    [[{ op: 'nope', path: '/a' }], 400],
    [[{ path: '/a' }], 400],
    [{ op: 'add' }, 400],
    [['string'], 400],
  ];
  for (const [patch, code] of cases) {
    const result = applyJsonPatch(document, patch);
    assert.ok(!result.ok, JSON.stringify(patch));
    assert.equal(result.code, code, JSON.stringify(patch));
  }
});

test('strategic merge patch: Service ports merge by port; other lists replace', () => {
  const service = {
    spec: {
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'https', port: 443, targetPort: 8443 },
      ],
      selector: { app: 'web' },
    },
  };
  const patch = {
    spec: {
      '$setElementOrder/ports': [{ port: 443 }, { port: 80 }],
      ports: [{ port: 443, targetPort: 9443 }],
      selector: { tier: 'front' },
    },
  };
  const result = applyStrategicMergePatch(service, patch, { 'spec.ports': 'port' });
  assert.deepEqual(result, {
    spec: {
      ports: [
        { name: 'https', port: 443, targetPort: 9443 },
        { name: 'http', port: 80, targetPort: 8080 },
      ],
      selector: { app: 'web', tier: 'front' },
    },
  });
  const atomic = applyStrategicMergePatch(
    { spec: { rules: [{ host: 'a' }, { host: 'b' }] } },
    { spec: { rules: [{ host: 'c' }] } },
    {},
  );
  assert.deepEqual(atomic, { spec: { rules: [{ host: 'c' }] } });
});

test('strategic merge patch: $patch delete and replace, deleteFromPrimitiveList, null', () => {
  const target = {
    spec: { ports: [{ port: 80 }, { port: 443 }], extra: { a: 1, b: 2 }, gone: 'x' },
    metadata: { finalizers: ['a', 'b'] },
  };
  const patch = {
    spec: {
      ports: [{ port: 80, $patch: 'delete' }],
      extra: { $patch: 'replace', c: 3 },
      gone: null,
    },
    metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] },
  };
  assert.deepEqual(applyStrategicMergePatch(target, patch, { 'spec.ports': 'port' }), {
    spec: { ports: [{ port: 443 }], extra: { c: 3 } },
    metadata: { finalizers: ['b', 'c'] },
  });
  const replaced = applyStrategicMergePatch(
    target,
    { spec: { ports: [{ $patch: 'replace' }, { port: 1 }] } },
    { 'spec.ports': 'port' },
  );
  assert.deepEqual((replaced as { spec: { ports: unknown } }).spec.ports, [{ port: 1 }]);
});
