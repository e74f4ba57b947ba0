import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReasonCode } from '../../ir/index.ts';
import type { KubeObject } from '../../objects/index.ts';
import { validateIngress } from './validate-ingress.ts';

const backend = { service: { name: 'web', port: { number: 80 } } };

function ingress(spec: unknown, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'prod', ...metadata },
    spec,
  };
}

/** The problems as [code, field] pairs, in the order found. */
function found(object: KubeObject): [ReasonCode, string | undefined][] {
  const result = validateIngress(object);
  return result.ok ? [] : result.problems.map((problem) => [problem.code, problem.field]);
}

function assertValid(object: KubeObject): void {
  assert.deepEqual(found(object), []);
}

describe('validateIngress: metadata', () => {
  it('wants metadata.name to be a DNS-1123 subdomain', () => {
    assertValid(ingress({ defaultBackend: backend }, { name: 'a.b-c' }));
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { name: 'Shop' })), [
      ['InvalidName', 'metadata.name'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { name: 'x'.repeat(254) })), [
      ['InvalidName', 'metadata.name'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { name: '' })), [
      ['InvalidName', 'metadata.name'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { name: 7 })), [
      ['InvalidObject', 'metadata.name'],
    ]);
  });

  it('wants metadata.namespace to be a DNS-1123 label', () => {
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { namespace: 'a.b' })), [
      ['InvalidName', 'metadata.namespace'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { namespace: 'Prod' })), [
      ['InvalidName', 'metadata.namespace'],
    ]);
  });

  it('wants metadata to be an object', () => {
    const object = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: 'x',
      spec: { defaultBackend: backend },
    };
    assert.deepEqual(found(object as unknown as KubeObject), [['InvalidObject', 'metadata']]);
  });

  it('wants annotation keys to be qualified names (any case) and values strings', () => {
    assertValid(ingress({ defaultBackend: backend }, { annotations: { 'Example.COM/Key': '' } }));
    const bad = { annotations: { 'a/b/c': 'x', 'nginx.ingress.kubernetes.io/ssl-redirect': true } };
    assert.deepEqual(found(ingress({ defaultBackend: backend }, bad)), [
      ['InvalidAnnotation', 'metadata.annotations[a/b/c]'],
      ['InvalidAnnotation', 'metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend }, { annotations: ['a'] })), [
      ['InvalidObject', 'metadata.annotations'],
    ]);
  });

  it('limits the total annotation size to 256 KiB', () => {
    const fits = { annotations: { a: 'x'.repeat(256 * 1024 - 1) } };
    assertValid(ingress({ defaultBackend: backend }, fits));
    const over = { annotations: { a: 'x'.repeat(256 * 1024) } };
    assert.deepEqual(found(ingress({ defaultBackend: backend }, over)), [
      ['InvalidAnnotation', 'metadata.annotations'],
    ]);
    const multiByte = { annotations: { a: 'é'.repeat(128 * 1024) } };
    assert.deepEqual(found(ingress({ defaultBackend: backend }, multiByte)), [
      ['InvalidAnnotation', 'metadata.annotations'],
    ]);
  });

  it('wants label keys to be qualified names and values label values', () => {
    assertValid(
      ingress(
        { defaultBackend: backend },
        { labels: { 'app.kubernetes.io/name': 'shop', empty: '' } },
      ),
    );
    const bad = { labels: { 'Bad Key': 'ok', app: 'no spaces', tier: 3 } };
    assert.deepEqual(found(ingress({ defaultBackend: backend }, bad)), [
      ['InvalidAnnotation', 'metadata.labels[Bad Key]'],
      ['InvalidAnnotation', 'metadata.labels[app]'],
      ['InvalidAnnotation', 'metadata.labels[tier]'],
    ]);
  });

  it('reads a null annotation or label value as empty, as the API server stores it', () => {
    const metadata = { annotations: { note: null }, labels: { app: null } };
    const result = validateIngress(ingress({ defaultBackend: backend }, metadata));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.spec.annotations, { note: '' });
  });
});
