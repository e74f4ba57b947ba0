import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeObject, storedView } from './normalize.ts';
import { RESOURCES } from './resources.ts';

describe('normalizeObject', () => {
  test('a typed-client list item and a raw watch object come out the same', () => {
    const fromList = {
      metadata: {
        name: 'web',
        namespace: 'shop',
        creationTimestamp: new Date('2025-01-02T03:04:05Z'),
        managedFields: [{ manager: 'kubectl' }],
        labels: undefined,
      },
      spec: { rules: [{ host: 'a.example.com' }] },
    };
    const fromWatch = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2025-01-02T03:04:05Z' },
      spec: { rules: [{ host: 'a.example.com' }] },
    };
    const listed = normalizeObject(RESOURCES.Ingress, fromList);
    assert.deepEqual(listed, normalizeObject(RESOURCES.Ingress, fromWatch));
    assert.deepEqual(listed, fromWatch);
  });

  test('core kinds get apiVersion v1; nameless or non-objects are refused', () => {
    assert.equal(normalizeObject(RESOURCES.Service, { metadata: { name: 's' } })?.apiVersion, 'v1');
    assert.equal(
      normalizeObject(RESOURCES.EndpointSlice, { metadata: { name: 's' } })?.apiVersion,
      'discovery.k8s.io/v1',
    );
    assert.equal(normalizeObject(RESOURCES.Service, { metadata: {} }), null);
    assert.equal(normalizeObject(RESOURCES.Service, { metadata: { name: '' } }), null);
    assert.equal(normalizeObject(RESOURCES.Service, 'x'), null);
    assert.equal(normalizeObject(RESOURCES.Service, [1]), null);
  });
});

describe('storedView', () => {
  test('drops resourceVersion everywhere and status of Ingresses only', () => {
    const ingress = normalizeObject(RESOURCES.Ingress, {
      metadata: { name: 'a', resourceVersion: '7', uid: 'u' },
      spec: {},
      status: { loadBalancer: {} },
    });
    const service = normalizeObject(RESOURCES.Service, {
      metadata: { name: 'a', resourceVersion: '8' },
      status: { loadBalancer: {} },
    });
    assert.ok(ingress && service);
    assert.deepEqual(storedView(ingress), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'a', uid: 'u' },
      spec: {},
    });
    assert.deepEqual(storedView(service), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a' },
      status: { loadBalancer: {} },
    });
  });
});
