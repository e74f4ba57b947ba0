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

function withHost(host: unknown): KubeObject {
  return ingress({
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
  });
}

/** The problems as [code, field] pairs, in the order found. */
function found(object: KubeObject): [ReasonCode, string | undefined][] {
  const result = validateIngress(object);
  return result.ok ? [] : result.problems.map((problem) => [problem.code, problem.field]);
}

function assertValid(object: KubeObject): void {
  assert.deepEqual(found(object), []);
}

describe('validateIngress: a valid Ingress', () => {
  it('returns the typed spec', () => {
    const result = validateIngress(
      ingress(
        {
          ingressClassName: 'pointsman',
          defaultBackend: { service: { name: 'fallback', port: { name: 'http' } } },
          rules: [
            {
              host: '*.example.com',
              http: { paths: [{ path: '/a', pathType: 'Exact', backend }] },
            },
            { http: { paths: [{ pathType: 'ImplementationSpecific', backend }] } },
            { host: 'bare.example.com' },
          ],
          tls: [{ hosts: ['*.example.com'], secretName: 'wildcard-cert' }, {}],
        },
        { annotations: { 'Example.com/Note': 'hi', 'kubernetes.io/ingress.class': 'pointsman' } },
      ),
    );
    assert.deepEqual(result, {
      ok: true,
      spec: {
        ingressClassName: 'pointsman',
        annotations: { 'Example.com/Note': 'hi', 'kubernetes.io/ingress.class': 'pointsman' },
        defaultBackend: { type: 'service', name: 'fallback', port: 'http' },
        rules: [
          {
            host: '*.example.com',
            paths: [
              {
                path: '/a',
                pathType: 'Exact',
                backend: { type: 'service', name: 'web', port: 80 },
              },
            ],
          },
          {
            host: null,
            paths: [
              {
                path: '',
                pathType: 'ImplementationSpecific',
                backend: { type: 'service', name: 'web', port: 80 },
              },
            ],
          },
          { host: 'bare.example.com', paths: [] },
        ],
        tls: [
          { hosts: ['*.example.com'], secretName: 'wildcard-cert' },
          { hosts: [], secretName: null },
        ],
      },
    });
  });

  it('accepts a defaultBackend alone, and null for optional fields', () => {
    assertValid(
      ingress({ defaultBackend: backend, rules: null, tls: null, ingressClassName: null }),
    );
  });

  it('accepts an Ingress without a namespace (the source fills it in)', () => {
    assertValid({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'a' },
      spec: { defaultBackend: backend },
    });
  });
});

describe('validateIngress: spec', () => {
  it('wants a defaultBackend or at least one rule', () => {
    for (const spec of [{}, { rules: [] }, null, undefined, { tls: [{ hosts: ['a.com'] }] }]) {
      assert.deepEqual(found(ingress(spec)), [['MissingRules', 'spec']]);
    }
  });

  it('gives InvalidObject for a spec or rules of the wrong type', () => {
    assert.deepEqual(found(ingress('nope')), [['InvalidObject', 'spec']]);
    assert.deepEqual(found(ingress({ rules: {} })), [['InvalidObject', 'spec.rules']]);
    assert.deepEqual(found(ingress({ rules: ['x'] })), [['InvalidObject', 'spec.rules[0]']]);
    assert.deepEqual(found(ingress({ defaultBackend: backend, tls: 'x' })), [
      ['InvalidObject', 'spec.tls'],
    ]);
  });
});

describe('validateIngress: rule hosts', () => {
  it('accepts names, wildcards whose * is the whole first label, and no host', () => {
    for (const host of ['foo.com', '*.foo.com', 'a', '', null]) assertValid(withHost(host));
  });

  it('refuses bad wildcards', () => {
    for (const host of ['foo.*.com', '*', '**.foo.com', '*foo.com', 'f*.foo.com', '*.*.foo.com']) {
      assert.deepEqual(found(withHost(host)), [['InvalidHost', 'spec.rules[0].host']], host);
    }
  });

  it('refuses IPv4 and IPv6 addresses', () => {
    for (const host of ['10.0.0.1', '127.0.0.1', '::1', '2001:db8::1', '[::1]']) {
      assert.deepEqual(found(withHost(host)), [['InvalidHost', 'spec.rules[0].host']], host);
    }
  });

  it('refuses upper case, ports, trailing dots and over-long names', () => {
    for (const host of ['Foo.com', 'FOO.COM', 'foo.com:80', 'foo.com.', `${'a'.repeat(250)}.com`]) {
      assert.deepEqual(found(withHost(host)), [['InvalidHost', 'spec.rules[0].host']], host);
    }
  });

  it('gives InvalidObject for a host that is not a string', () => {
    assert.deepEqual(found(withHost(42)), [['InvalidObject', 'spec.rules[0].host']]);
  });
});

describe('validateIngress: rule http', () => {
  it('wants at least one path when http is present', () => {
    for (const http of [{}, { paths: [] }, { paths: null }]) {
      assert.deepEqual(found(ingress({ rules: [{ host: 'a.com', http }] })), [
        ['MissingPaths', 'spec.rules[0].http.paths'],
      ]);
    }
    assert.deepEqual(found(ingress({ rules: [{ host: 'a.com', http: { paths: 'x' } }] })), [
      ['InvalidObject', 'spec.rules[0].http.paths'],
    ]);
    assert.deepEqual(found(ingress({ rules: [{ http: [] }] })), [
      ['InvalidObject', 'spec.rules[0].http'],
    ]);
  });
});

describe('validateIngress: tls', () => {
  it('wants hosts to be DNS names or wildcards, and allows IP addresses as the API server does', () => {
    assertValid(
      ingress({ defaultBackend: backend, tls: [{ hosts: ['a.com', '*.a.com', '10.0.0.1'] }] }),
    );
    const bad = {
      defaultBackend: backend,
      tls: [{ hosts: ['ok.com', 'Bad.com', '*.*.a.com', ''] }],
    };
    assert.deepEqual(found(ingress(bad)), [
      ['InvalidHost', 'spec.tls[0].hosts[1]'],
      ['InvalidHost', 'spec.tls[0].hosts[2]'],
      ['InvalidHost', 'spec.tls[0].hosts[3]'],
    ]);
    assert.deepEqual(found(ingress({ defaultBackend: backend, tls: [{ hosts: [1] }] })), [
      ['InvalidObject', 'spec.tls[0].hosts[0]'],
    ]);
  });

  it('wants secretName, when given, to be a valid Secret name', () => {
    assertValid(
      ingress({ defaultBackend: backend, tls: [{ secretName: '' }, { secretName: 'a.b-c' }] }),
    );
    for (const secretName of ['Cert', 'a_b', 'x'.repeat(254)]) {
      assert.deepEqual(found(ingress({ defaultBackend: backend, tls: [{ secretName }] })), [
        ['InvalidTLS', 'spec.tls[0].secretName'],
      ]);
    }
  });
});

describe('validateIngress: ingress class', () => {
  it('wants ingressClassName to be a DNS-1123 subdomain, an empty one included', () => {
    for (const ingressClassName of ['Nginx', '', 'a_b']) {
      assert.deepEqual(found(ingress({ defaultBackend: backend, ingressClassName })), [
        ['InvalidIngressClassName', 'spec.ingressClassName'],
      ]);
    }
  });

  it('refuses a class annotation that differs from ingressClassName', () => {
    const annotations = { 'kubernetes.io/ingress.class': 'nginx' };
    assert.deepEqual(
      found(ingress({ defaultBackend: backend, ingressClassName: 'pointsman' }, { annotations })),
      [['ClassConflict', 'metadata.annotations[kubernetes.io/ingress.class]']],
    );
    assertValid(ingress({ defaultBackend: backend, ingressClassName: 'nginx' }, { annotations }));
    assertValid(ingress({ defaultBackend: backend }, { annotations }));
  });
});

describe('validateIngress: collecting problems', () => {
  it('reports every problem at once, with its field', () => {
    const object = ingress(
      {
        ingressClassName: 'Bad',
        rules: [
          { host: '1.2.3.4', http: { paths: [{ path: 'a', pathType: 'Prefix', backend }] } },
          {
            host: 'ok.com',
            http: {
              paths: [
                { path: '/', backend: {} },
                { path: '/x', pathType: 'Regex', backend },
              ],
            },
          },
        ],
        tls: [{ secretName: 'Bad' }],
      },
      { name: 'Bad', annotations: { x: 1 } },
    );
    assert.deepEqual(found(object), [
      ['InvalidName', 'metadata.name'],
      ['InvalidAnnotation', 'metadata.annotations[x]'],
      ['InvalidHost', 'spec.rules[0].host'],
      ['InvalidPath', 'spec.rules[0].http.paths[0].path'],
      ['MissingPathType', 'spec.rules[1].http.paths[0].pathType'],
      ['InvalidBackend', 'spec.rules[1].http.paths[0].backend'],
      ['InvalidPathType', 'spec.rules[1].http.paths[1].pathType'],
      ['InvalidTLS', 'spec.tls[0].secretName'],
      ['InvalidIngressClassName', 'spec.ingressClassName'],
    ]);
    const result = validateIngress(object);
    assert.ok(!result.ok);
    for (const problem of result.problems) assert.ok(problem.message.length > 0);
  });
});
