import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject, StoredObject } from '../objects/index.ts';
import { snapshotOf } from '../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS } from '../translate/index.ts';
import { translateKeepingLastGood, type ServedIngresses } from './last-good.ts';

const CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: {
    name: 'pointsman',
    annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
  },
  spec: { controller: 'pointsman.dev/ingress-controller' },
};

function ingress(name: string, path: string, className?: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop' },
    spec: {
      ...(className === undefined ? {} : { ingressClassName: className }),
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path,
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function store(object: KubeObject, sequence: number): StoredObject {
  const kind = object.kind as StoredObject['kind'];
  return {
    kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    object,
    origin: { source: 'file', file: 'in.yaml', document: sequence },
    sequence,
  };
}

function run(ingresses: KubeObject[], served: ServedIngresses) {
  const snapshot = snapshotOf([CLASS, ...ingresses].map(store));
  return translateKeepingLastGood(snapshot, DEFAULT_TRANSLATE_OPTIONS, served);
}

function paths(outcome: ReturnType<typeof run>): string[] {
  return outcome.table.hosts.flatMap((h) => h.paths.map((p) => `${h.host}${p.path}`));
}

describe('translateKeepingLastGood', () => {
  test('without a rejection it is plain translation, and records what is served', () => {
    const outcome = run([ingress('a', '/a'), ingress('b', '/b')], new Map());
    assert.deepEqual(paths(outcome), ['shop.example.com/a', 'shop.example.com/b']);
    assert.deepEqual([...outcome.served.keys()], ['shop/a', 'shop/b']);
    assert.deepEqual(outcome.servingLastGood, []);
  });

  test('a broken edit of a served Ingress keeps its routes and its Rejected result', () => {
    const good = run([ingress('a', '/a'), ingress('b', '/b')], new Map());
    const outcome = run([ingress('a', 'no-slash'), ingress('b', '/b')], good.served);
    assert.equal(outcome.table.version, good.table.version);
    assert.deepEqual(outcome.servingLastGood, [{ kind: 'Ingress', namespace: 'shop', name: 'a' }]);
    const result = outcome.results.find((r) => r.kind === 'Ingress' && r.name === 'a');
    assert.equal(result?.state, 'Rejected');
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['InvalidPath'],
    );
    assert.equal(outcome.served.get('shop/a')?.object, good.served.get('shop/a')?.object);
    // Still broken on the next round: still the last good version.
    const again = run([ingress('a', 'still bad'), ingress('b', '/b')], outcome.served);
    assert.equal(again.table.version, good.table.version);
  });

  test('a broken edit that adds access control makes the last good version fail closed', () => {
    const good = run([ingress('a', '/a')], new Map());
    const edit = ingress('a', 'no-slash');
    const withAuth = {
      ...edit,
      metadata: {
        ...edit.metadata,
        annotations: { 'nginx.ingress.kubernetes.io/auth-type': 'basic' },
      },
    };
    const outcome = run([withAuth], good.served);
    assert.deepEqual(outcome.servingLastGood, [{ kind: 'Ingress', namespace: 'shop', name: 'a' }]);
    const route = outcome.table.hosts[0]?.paths[0];
    assert.equal(route?.path, '/a');
    assert.deepEqual(route.refusal, {
      code: 'AccessControlNotEnforced',
      annotations: ['nginx.ingress.kubernetes.io/auth-type'],
    });
  });

  test('a broken Ingress never accepted before is not served', () => {
    const outcome = run([ingress('a', 'no-slash')], new Map());
    assert.deepEqual(paths(outcome), []);
    assert.deepEqual(outcome.servingLastGood, []);
    assert.deepEqual([...outcome.served.keys()], []);
  });

  test('an Ingress that left our class is not brought back by a later broken edit', () => {
    const good = run([ingress('a', '/a')], new Map());
    const other = run([ingress('a', '/a', 'other')], good.served);
    assert.deepEqual(paths(other), []);
    const broken = run([ingress('a', 'no-slash')], other.served);
    assert.deepEqual(paths(broken), []);
    assert.deepEqual(broken.servingLastGood, []);
  });
});
