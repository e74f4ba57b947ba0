import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReasonCode } from '../../ir/index.ts';
import type { KubeObject } from '../../objects/index.ts';
import { validateIngressClass } from './validate-ingress-class.ts';

function ingressClass(spec: unknown, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'pointsman', ...metadata },
    spec,
  };
}

function found(object: KubeObject): [ReasonCode, string | undefined][] {
  const result = validateIngressClass(object);
  return result.ok ? [] : result.problems.map((problem) => [problem.code, problem.field]);
}

const controller = 'pointsman.dev/ingress-controller';

describe('validateIngressClass', () => {
  it('returns the controller and whether the class is the default', () => {
    assert.deepEqual(validateIngressClass(ingressClass({ controller })), {
      ok: true,
      controller,
      isDefault: false,
    });
    const annotations = { 'ingressclass.kubernetes.io/is-default-class': 'true' };
    assert.deepEqual(validateIngressClass(ingressClass({ controller }, { annotations })), {
      ok: true,
      controller,
      isDefault: true,
    });
  });

  it('counts as default only for exactly "true"', () => {
    for (const value of ['True', 'yes', '1', '']) {
      const annotations = { 'ingressclass.kubernetes.io/is-default-class': value };
      const result = validateIngressClass(ingressClass({ controller }, { annotations }));
      assert.ok(result.ok && !result.isDefault, value);
    }
  });

  it('ignores a namespace, as the API server clears it on cluster-scoped kinds', () => {
    assert.deepEqual(found(ingressClass({ controller }, { namespace: 'Whatever.Bad' })), []);
  });

  it('wants the name to be a DNS-1123 subdomain', () => {
    assert.deepEqual(found(ingressClass({ controller }, { name: 'Pointsman' })), [
      ['InvalidName', 'metadata.name'],
    ]);
  });

  it('wants a controller', () => {
    for (const spec of [{}, { controller: '' }, null, undefined]) {
      assert.deepEqual(found(ingressClass(spec)), [['InvalidIngressClass', 'spec.controller']]);
    }
    assert.deepEqual(found(ingressClass({ controller: 1 })), [
      ['InvalidObject', 'spec.controller'],
    ]);
    assert.deepEqual(found(ingressClass('x')), [['InvalidObject', 'spec']]);
  });

  it('wants the controller to be a domain-prefixed path', () => {
    for (const value of [
      'pointsman',
      'example.com',
      '/ctrl',
      'example.com/',
      'Example.com/x',
      'a.com/b c',
    ]) {
      assert.deepEqual(
        found(ingressClass({ controller: value })),
        [['InvalidIngressClass', 'spec.controller']],
        value,
      );
    }
    assert.deepEqual(found(ingressClass({ controller: 'k8s.io/ingress-nginx' })), []);
  });

  it('limits the controller to 250 characters', () => {
    assert.deepEqual(found(ingressClass({ controller: `a.io/${'x'.repeat(245)}` })), []);
    assert.deepEqual(found(ingressClass({ controller: `a.io/${'x'.repeat(246)}` })), [
      ['InvalidIngressClass', 'spec.controller'],
    ]);
  });

  it('checks parameters: kind and name required, scope and namespace consistent', () => {
    const ok = [
      { kind: 'Config', name: 'c' },
      { apiGroup: 'example.com', kind: 'Config', name: 'c', scope: 'Cluster' },
      { kind: 'Config', name: 'c', scope: 'Namespace', namespace: 'ops' },
    ];
    for (const parameters of ok)
      assert.deepEqual(found(ingressClass({ controller, parameters })), []);
    const problems = (parameters: unknown): [ReasonCode, string | undefined][] =>
      found(ingressClass({ controller, parameters }));
    assert.deepEqual(problems({}), [
      ['InvalidIngressClass', 'spec.parameters.kind'],
      ['InvalidIngressClass', 'spec.parameters.name'],
    ]);
    assert.deepEqual(problems({ kind: 'C', name: 'c', namespace: 'ops' }), [
      ['InvalidIngressClass', 'spec.parameters.namespace'],
    ]);
    assert.deepEqual(problems({ kind: 'C', name: 'c', scope: 'Namespace' }), [
      ['InvalidIngressClass', 'spec.parameters.namespace'],
    ]);
    assert.deepEqual(problems({ kind: 'C', name: 'c', scope: 'Global' }), [
      ['InvalidIngressClass', 'spec.parameters.scope'],
    ]);
    assert.deepEqual(problems({ apiGroup: 'Bad', kind: 'a/b', name: '.' }), [
      ['InvalidIngressClass', 'spec.parameters.apiGroup'],
      ['InvalidIngressClass', 'spec.parameters.kind'],
      ['InvalidIngressClass', 'spec.parameters.name'],
    ]);
    assert.deepEqual(problems('x'), [['InvalidObject', 'spec.parameters']]);
  });
});
