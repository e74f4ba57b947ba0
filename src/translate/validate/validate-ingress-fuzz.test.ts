import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../objects/index.ts';
import { REASONS } from '../../ir/index.ts';
import { validateIngress } from './validate-ingress.ts';
import { validateIngressClass } from './validate-ingress-class.ts';

type Json = Record<string, unknown>;

function validIngress(): Json {
  const backend = { service: { name: 'web', port: { number: 80 } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'prod', labels: { app: 'shop' }, annotations: { a: 'b' } },
    spec: {
      ingressClassName: 'pointsman',
      defaultBackend: backend,
      rules: [
        {
          host: 'shop.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
        },
      ],
      tls: [{ hosts: ['shop.example.com'], secretName: 'cert' }],
    },
  };
}

/** Every path from the root to a value inside the object, as lists of keys and indexes. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [index, item] as const)
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
}

/** A deep copy with the value at `path` replaced (the root itself when the path is empty). */
function replaceAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy: Json = Array.isArray(root)
    ? ([...(root as unknown[])] as unknown as Json)
    : { ...(root as Json) };
  copy[head] = replaceAt(copy[head], rest, value);
  return copy;
}

/** The value at `path` (undefined where the path leads nowhere). */
function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Json)[key];
  }
  return value;
}

const VALID_PATHS = pathsOf(validIngress());

function assertWellFormed(
  result: ReturnType<typeof validateIngress> | ReturnType<typeof validateIngressClass>,
): void {
  if (result.ok) return;
  assert.ok(result.problems.length > 0);
  for (const problem of result.problems) {
    assert.ok(Object.hasOwn(REASONS, problem.code), problem.code);
    assert.equal(typeof problem.message, 'string');
    // Only an object that is not an object at all has no field to point at.
    assert.ok(typeof problem.field === 'string' || problem.code === 'InvalidObject');
  }
}

describe('validateIngress never throws', () => {
  it('accepts the untouched fixture', () => {
    assert.equal(validateIngress(validIngress() as unknown as KubeObject).ok, true);
  });

  it('on arbitrary JSON placed anywhere in a valid Ingress', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_PATHS), fc.anything(), (path, value) => {
        const object = replaceAt(validIngress(), path, value) as KubeObject;
        const result = validateIngress(object);
        assertWellFormed(result);
        assertWellFormed(validateIngressClass(object));
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JSON with hostile keys added to any object of the Ingress', () => {
    const key = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...VALID_PATHS), key, fc.jsonValue(), (path, name, value) => {
        // Keys are added to objects: on an array, a key such as `length` would break the copy.
        fc.pre(!Array.isArray(valueAt(validIngress(), path)));
        const object = replaceAt(validIngress(), [...path, name], value) as KubeObject;
        assertWellFormed(validateIngress(object));
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary values as the whole object', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const object = {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: value,
          spec: value,
        };
        assertWellFormed(validateIngress(object as KubeObject));
        assertWellFormed(validateIngressClass(object as KubeObject));
      }),
      { numRuns: 500 },
    );
  });
});
