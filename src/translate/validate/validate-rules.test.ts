import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReasonCode } from '../../ir/index.ts';
import type { KubeObject } from '../../objects/index.ts';
import { validateIngress } from './validate-ingress.ts';

const backend = { service: { name: 'web', port: { number: 80 } } };
const PATH_FIELD = 'spec.rules[0].http.paths[0].path';

function withPath(path: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'prod' },
    spec: { rules: [{ host: 'a.com', http: { paths: [{ backend, ...path }] } }] },
  };
}

function found(object: KubeObject): [ReasonCode, string | undefined][] {
  const result = validateIngress(object);
  return result.ok ? [] : result.problems.map((problem) => [problem.code, problem.field]);
}

function messages(object: KubeObject): string[] {
  const result = validateIngress(object);
  return result.ok ? [] : result.problems.map((problem) => problem.message);
}

describe('paths: pathType', () => {
  it('is required', () => {
    assert.deepEqual(found(withPath({ path: '/' })), [
      ['MissingPathType', 'spec.rules[0].http.paths[0].pathType'],
    ]);
    assert.deepEqual(found(withPath({ path: '/', pathType: null })), [
      ['MissingPathType', 'spec.rules[0].http.paths[0].pathType'],
    ]);
  });

  it('must be Exact, Prefix or ImplementationSpecific, with that exact spelling', () => {
    for (const pathType of ['Exact', 'Prefix', 'ImplementationSpecific']) {
      assert.deepEqual(found(withPath({ path: '/', pathType })), [], pathType);
    }
    for (const pathType of ['prefix', 'Regex', '', 'EXACT']) {
      assert.deepEqual(found(withPath({ path: '/', pathType })), [
        ['InvalidPathType', 'spec.rules[0].http.paths[0].pathType'],
      ]);
    }
    assert.deepEqual(found(withPath({ path: '/', pathType: 1 })), [
      ['InvalidObject', 'spec.rules[0].http.paths[0].pathType'],
    ]);
  });
});

describe('paths: Exact and Prefix', () => {
  for (const pathType of ['Exact', 'Prefix']) {
    it(`${pathType} accepts absolute paths without traversal`, () => {
      for (const path of [
        '/',
        '/a',
        '/a/b/',
        '/a.b',
        '/..a',
        '/a..',
        '/.well-known/x',
        '/a%2e',
        '/a:b@c',
      ]) {
        assert.deepEqual(found(withPath({ path, pathType })), [], path);
      }
    });

    it(`${pathType} wants an absolute path, the empty path included`, () => {
      for (const path of ['', 'a', 'a/b', undefined]) {
        assert.deepEqual(
          found(withPath({ path, pathType })),
          [['InvalidPath', PATH_FIELD]],
          String(path),
        );
      }
    });

    it(`${pathType} refuses //, /./, /../, %2f and %2F anywhere`, () => {
      for (const path of ['//', '/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a%2Fb', '/%2F']) {
        assert.deepEqual(found(withPath({ path, pathType })), [['InvalidPath', PATH_FIELD]], path);
      }
    });

    it(`${pathType} refuses paths ending in /. or /..`, () => {
      for (const path of ['/.', '/..', '/a/.', '/a/..']) {
        assert.ok(found(withPath({ path, pathType })).length > 0, path);
        assert.ok(
          found(withPath({ path, pathType })).every(([code]) => code === 'InvalidPath'),
          path,
        );
      }
      assert.match(
        messages(withPath({ path: '/a/..', pathType }))[0] ?? '',
        /cannot end with '\/\.\.'/,
      );
    });
  }

  it('reports each violation of one path', () => {
    assert.deepEqual(found(withPath({ path: 'a//b/..', pathType: 'Prefix' })), [
      ['InvalidPath', PATH_FIELD],
      ['InvalidPath', PATH_FIELD],
      ['InvalidPath', PATH_FIELD],
    ]);
  });
});

describe('paths: ImplementationSpecific', () => {
  it('may be empty or absent', () => {
    assert.deepEqual(found(withPath({ path: '', pathType: 'ImplementationSpecific' })), []);
    assert.deepEqual(found(withPath({ pathType: 'ImplementationSpecific' })), []);
  });

  it('only needs to be absolute otherwise, as in the v1 API', () => {
    for (const path of ['/', '//a', '/a/../b', '/a%2Fb', '/.']) {
      assert.deepEqual(found(withPath({ path, pathType: 'ImplementationSpecific' })), [], path);
    }
    assert.deepEqual(found(withPath({ path: 'a', pathType: 'ImplementationSpecific' })), [
      ['InvalidPath', PATH_FIELD],
    ]);
  });
});

describe('paths: shape', () => {
  it('gives InvalidObject for a path that is not a string or an entry that is not an object', () => {
    assert.deepEqual(found(withPath({ path: 5, pathType: 'Prefix' })), [
      ['InvalidObject', PATH_FIELD],
    ]);
    const object = withPath({});
    const spec = { rules: [{ http: { paths: [[], 'x'] } }] };
    assert.deepEqual(found({ ...object, spec }), [
      ['InvalidObject', 'spec.rules[0].http.paths[0]'],
      ['InvalidObject', 'spec.rules[0].http.paths[1]'],
    ]);
  });

  it('reads a null rule, path or TLS entry as an empty one, as the API server decodes it', () => {
    const object = withPath({});
    // An empty rule and an empty TLS entry are valid; an empty path lacks its pathType.
    assert.deepEqual(found({ ...object, spec: { rules: [null], tls: [null] } }), []);
    assert.deepEqual(found({ ...object, spec: { rules: [{ http: { paths: [null] } }] } }), [
      ['MissingPathType', 'spec.rules[0].http.paths[0].pathType'],
      ['InvalidBackend', 'spec.rules[0].http.paths[0].backend'],
    ]);
  });

  it('checks the backend of a path, even one without a pathType', () => {
    assert.deepEqual(found(withPath({ path: '/', backend: undefined })), [
      ['MissingPathType', 'spec.rules[0].http.paths[0].pathType'],
      ['InvalidBackend', 'spec.rules[0].http.paths[0].backend'],
    ]);
  });
});
