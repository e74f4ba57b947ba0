import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReasonCode } from '../../ir/index.ts';
import type { KubeObject } from '../../objects/index.ts';
import type { BackendSpec } from '../ingress-spec.ts';
import { validateIngress } from './validate-ingress.ts';

const FIELD = 'spec.defaultBackend';

function withBackend(defaultBackend: unknown): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'prod' },
    spec: { defaultBackend },
  };
}

function service(name: unknown, port: unknown): unknown {
  return { service: { name, port } };
}

function found(defaultBackend: unknown): [ReasonCode, string | undefined][] {
  const result = validateIngress(withBackend(defaultBackend));
  return result.ok ? [] : result.problems.map((problem) => [problem.code, problem.field]);
}

function parsed(defaultBackend: unknown): BackendSpec | null {
  const result = validateIngress(withBackend(defaultBackend));
  return result.ok ? result.spec.defaultBackend : null;
}

describe('backends: service or resource', () => {
  it('wants exactly one of service and resource', () => {
    const both = {
      ...(service('web', { number: 80 }) as object),
      resource: { kind: 'Bucket', name: 'b' },
    };
    assert.deepEqual(found(both), [['InvalidBackend', FIELD]]);
    assert.deepEqual(found({}), [['InvalidBackend', FIELD]]);
    assert.deepEqual(found({ service: null, resource: null }), [['InvalidBackend', FIELD]]);
  });

  it('gives InvalidObject for a backend, service or port of the wrong type', () => {
    assert.deepEqual(found('web:80'), [['InvalidObject', FIELD]]);
    assert.deepEqual(found({ service: 'web' }), [['InvalidObject', `${FIELD}.service`]]);
    assert.deepEqual(found(service('web', 80)), [['InvalidObject', `${FIELD}.service.port`]]);
    assert.deepEqual(found(service(['web'], { number: 80 })), [
      ['InvalidObject', `${FIELD}.service.name`],
    ]);
  });
});

describe('backends: service name', () => {
  it('accepts a DNS-1123 label, a leading digit included (relaxed in Kubernetes 1.36)', () => {
    for (const name of ['web-1', '1abc', '123', 'a'.repeat(63)]) {
      assert.deepEqual(
        parsed(service(name, { number: 8080 })),
        { type: 'service', name, port: 8080 },
        name,
      );
    }
  });

  it('is required and must be a DNS-1123 label', () => {
    for (const name of [
      undefined,
      '',
      'web.prod',
      'Web',
      'web-',
      '-web',
      'web_1',
      'a'.repeat(64),
    ]) {
      assert.deepEqual(
        found(service(name, { number: 80 })),
        [['InvalidServiceName', `${FIELD}.service.name`]],
        String(name),
      );
    }
  });
});

describe('backends: service port', () => {
  it('accepts a number from 1 to 65535 or an IANA port name', () => {
    assert.deepEqual(parsed(service('web', { number: 1 })), {
      type: 'service',
      name: 'web',
      port: 1,
    });
    assert.deepEqual(parsed(service('web', { number: 65535 })), {
      type: 'service',
      name: 'web',
      port: 65535,
    });
    assert.deepEqual(parsed(service('web', { name: 'https-alt' })), {
      type: 'service',
      name: 'web',
      port: 'https-alt',
    });
    assert.deepEqual(parsed(service('web', { name: '', number: 80 })), {
      type: 'service',
      name: 'web',
      port: 80,
    });
  });

  it('refuses port 0 (unset, as in the API server), 65536 and negatives', () => {
    assert.deepEqual(found(service('web', { number: 0 })), [['InvalidServicePort', FIELD]]);
    for (const number of [65536, -1, 100000]) {
      assert.deepEqual(found(service('web', { number })), [
        ['InvalidServicePort', `${FIELD}.service.port.number`],
      ]);
    }
  });

  it('gives InvalidObject for a number that is not an integer', () => {
    for (const number of ['80', 80.5, true]) {
      assert.deepEqual(found(service('web', { number })), [
        ['InvalidObject', `${FIELD}.service.port.number`],
      ]);
    }
  });

  it('wants exactly one of name and number, and blames the backend as the API server does', () => {
    assert.deepEqual(found(service('web', { name: 'http', number: 80 })), [
      ['InvalidServicePort', FIELD],
    ]);
    assert.deepEqual(found(service('web', {})), [['InvalidServicePort', FIELD]]);
    assert.deepEqual(found(service('web', undefined)), [['InvalidServicePort', FIELD]]);
    assert.deepEqual(found(service('web', { name: '' })), [['InvalidServicePort', FIELD]]);
  });

  it('wants a name to be an IANA service name', () => {
    for (const name of ['HTTP', 'http_alt', '8080', 'a--b', '-http', 'http-', 'abcdefghijklmnop']) {
      assert.deepEqual(
        found(service('web', { name })),
        [['InvalidServicePort', `${FIELD}.service.port.name`]],
        name,
      );
    }
  });
});

describe('backends: resource', () => {
  it('accepts a kind and name, with an optional apiGroup', () => {
    assert.deepEqual(
      parsed({ resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'assets' } }),
      {
        type: 'resource',
        apiGroup: 'k8s.example.com',
        kind: 'StorageBucket',
        name: 'assets',
      },
    );
    assert.deepEqual(parsed({ resource: { kind: 'Bucket', name: 'b' } }), {
      type: 'resource',
      apiGroup: '',
      kind: 'Bucket',
      name: 'b',
    });
  });

  it('wants kind and name present and safe as path segments, and a given apiGroup a subdomain', () => {
    assert.deepEqual(found({ resource: {} }), [
      ['InvalidBackend', `${FIELD}.resource.kind`],
      ['InvalidBackend', `${FIELD}.resource.name`],
    ]);
    assert.deepEqual(found({ resource: { apiGroup: 'Bad_Group', kind: 'a/b', name: '..' } }), [
      ['InvalidBackend', `${FIELD}.resource.apiGroup`],
      ['InvalidBackend', `${FIELD}.resource.kind`],
      ['InvalidBackend', `${FIELD}.resource.name`],
    ]);
    assert.deepEqual(found({ resource: { apiGroup: '', kind: 'K', name: 'n' } }), [
      ['InvalidBackend', `${FIELD}.resource.apiGroup`],
    ]);
    assert.deepEqual(found({ resource: { kind: 3, name: 'n' } }), [
      ['InvalidObject', `${FIELD}.resource.kind`],
    ]);
  });
});
