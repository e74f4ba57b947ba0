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

describe('secretReferences: proxy-ssl-secret', () => {
  test('names the proxy-ssl-secret of the Ingress namespace, under any prefix', () => {
    const object = (annotations: Record<string, unknown>): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i', namespace: 'shop', annotations },
      spec: { tls: [{ secretName: 'site' }] },
    });
    const refs = secretReferences(
      object({ 'nginx.ingress.kubernetes.io/proxy-ssl-secret': ' shop/upstream-ca ' }),
    );
    assert.deepEqual([...refs].sort(), ['shop/site', 'shop/upstream-ca']);
    const custom = secretReferences(object({ 'example.com/proxy-ssl-secret': 'shop/ca' }));
    assert.ok(custom.has('shop/ca'));
    // Another namespace's Secret cannot be used, so it is not kept.
    for (const value of ['billing/ca', 'ca', 'shop/a/b', 7]) {
      const keys = secretReferences(
        object({ 'nginx.ingress.kubernetes.io/proxy-ssl-secret': value }),
      );
      assert.deepEqual([...keys], ['shop/site'], String(value));
    }
  });
});

describe('secretReferences: auth-secret and auth-tls-secret', () => {
  test('names the Secrets of basic and client-certificate authentication, in any namespace', () => {
    const object = (annotations: Record<string, unknown>): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i', namespace: 'shop', annotations },
    });
    const keys = (annotations: Record<string, unknown>): string[] =>
      [...secretReferences(object(annotations))].sort();
    assert.deepEqual(keys({ 'nginx.ingress.kubernetes.io/auth-secret': 'users' }), ['shop/users']);
    assert.deepEqual(keys({ 'example.com/auth-secret': 'team/users' }), ['team/users']);
    assert.deepEqual(keys({ 'nginx.ingress.kubernetes.io/auth-tls-secret': 'pki/ca' }), ['pki/ca']);
    assert.deepEqual(keys({ 'nginx.ingress.kubernetes.io/auth-tls-secret': '/ca' }), ['shop/ca']);
    // auth-tls-secret is read as namespace/name only, as ingress-nginx reads it.
    for (const value of ['ca', 'a/b/c', 'pki/', '', 7]) {
      assert.deepEqual(
        keys({ 'nginx.ingress.kubernetes.io/auth-tls-secret': value }),
        [],
        String(value),
      );
    }
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
