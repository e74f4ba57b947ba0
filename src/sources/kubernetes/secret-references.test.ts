import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../objects/index.ts';
import { SecretReferenceCounts, secretReferences } from './secret-references.ts';

function ingress(namespace: string, tls: unknown): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i', namespace },
    spec: { tls },
  };
}

describe('secretReferences', () => {
  test('reads spec.tls[].secretName in the Ingress namespace, defensively', () => {
    const refs = secretReferences(
      ingress('shop', [{ secretName: 'a' }, { secretName: '' }, {}, 'x', null, { secretName: 5 }]),
    );
    assert.deepEqual([...refs], ['shop/a']);
    assert.deepEqual([...secretReferences(ingress('shop', 'nope'))], []);
    assert.deepEqual([...secretReferences(undefined)], []);
  });
});

describe('SecretReferenceCounts', () => {
  test('reports a Secret when its first name appears and its last one goes', () => {
    const counts = new SecretReferenceCounts();
    const refs = (...names: string[]): Set<string> => new Set(names.map((name) => `shop/${name}`));
    assert.deepEqual(counts.set('shop/one', refs('a')), ['shop/a']);
    assert.deepEqual(
      counts.set('shop/two', refs('a', 'b')),
      ['shop/b'],
      'a second Ingress naming a',
    );
    assert.deepEqual(counts.set('shop/two', refs()), ['shop/b']);
    assert.equal(counts.has('shop/a'), true);
    assert.deepEqual(counts.set('shop/one', refs('a')), [], 'the same set again changes nothing');
    assert.deepEqual(counts.set('shop/one', refs()), ['shop/a']);
    assert.equal(counts.has('shop/a'), false);
  });
});
