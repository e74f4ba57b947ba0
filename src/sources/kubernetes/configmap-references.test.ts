import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../objects/index.ts';
import { configMapReferences } from './configmap-references.ts';

function ingress(annotations: unknown): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i', namespace: 'shop', annotations },
  };
}

test('names the custom-headers ConfigMap of its own namespace, under any prefix', () => {
  const refs = configMapReferences(
    ingress({
      'nginx.ingress.kubernetes.io/custom-headers': ' shop/a ',
      'ingress.kubernetes.io/custom-headers': 'b',
      'example.com/custom-headers': 'other/c',
      'nginx.ingress.kubernetes.io/custom-headers-x': 'shop/d',
      'x.io/custom-headers': 5,
    }),
  );
  assert.deepEqual([...refs].sort(), ['shop/a', 'shop/b']);
  assert.equal(configMapReferences(ingress(null)).size, 0);
  assert.equal(configMapReferences(undefined).size, 0);
});
