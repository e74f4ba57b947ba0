import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../objects/index.ts';
import { normalizeSecretData } from './secret-data.ts';

const secret = (fields: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  ...fields,
});

test('merges stringData into data as base64, stringData winning, and drops stringData', () => {
  const input = secret({
    type: 'Opaque',
    data: { kept: 'a2VwdA==', both: 'b2xk' },
    stringData: { both: 'new', added: 'héllo' },
  });
  const result = normalizeSecretData(input);
  assert.ok('object' in result);
  assert.deepEqual(result.object, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'default' },
    type: 'Opaque',
    data: { kept: 'a2VwdA==', both: 'bmV3', added: Buffer.from('héllo').toString('base64') },
  });
  assert.ok('stringData' in input, 'the input is not changed');
});

test('leaves a Secret without data or stringData as it is', () => {
  const input = secret({ type: 'Opaque' });
  assert.deepEqual(normalizeSecretData(input), { object: input });
});

test('accepts empty values and base64 wrapped over several lines', () => {
  const result = normalizeSecretData(secret({ data: { empty: '', wrapped: 'aGVs\nbG8=\n' } }));
  assert.deepEqual('object' in result && result.object['data'], { empty: '', wrapped: 'aGVsbG8=' });
});

test('refuses data values that are not standard padded base64', () => {
  for (const bad of ['abc', 'a===', 'ab!c', 'aGVsbG8', 'aGV sbG8=', 'a-_b']) {
    assert.deepEqual(
      normalizeSecretData(secret({ data: { k: bad } })),
      {
        error: 'data.k is not valid base64',
      },
      bad,
    );
  }
});

test('refuses values and sections of the wrong type', () => {
  assert.deepEqual(normalizeSecretData(secret({ data: { k: 5 } })), {
    error: 'data.k must be a base64 string, not a number',
  });
  assert.deepEqual(normalizeSecretData(secret({ data: ['x'] })), {
    error: 'data must be a mapping, not a list',
  });
  assert.deepEqual(normalizeSecretData(secret({ stringData: { port: 5432 } })), {
    error: 'stringData.port must be a string, not a number',
  });
  assert.deepEqual(normalizeSecretData(secret({ stringData: 'x' })), {
    error: 'stringData must be a mapping, not a string',
  });
});
