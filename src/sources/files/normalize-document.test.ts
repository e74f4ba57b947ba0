import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeDocument } from './normalize-document.ts';

const ingress = (metadata: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata,
  spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
});

test('fills in the default namespace on a copy, leaving the input alone', () => {
  const input = ingress({ name: 'web', labels: { app: 'web' } });
  const { candidates, findings } = normalizeDocument(input);
  assert.deepEqual(findings, []);
  const [candidate] = candidates;
  assert.deepEqual(
    [candidate?.kind, candidate?.namespace, candidate?.name],
    ['Ingress', 'default', 'web'],
  );
  assert.deepEqual(candidate?.object.metadata, {
    name: 'web',
    labels: { app: 'web' },
    namespace: 'default',
  });
  assert.deepEqual(candidate.object['spec'], input['spec']);
  assert.deepEqual(input['metadata'], { name: 'web', labels: { app: 'web' } });
});

test('keeps a given namespace and treats an empty one as default', () => {
  assert.equal(
    normalizeDocument(ingress({ name: 'a', namespace: 'shop' })).candidates[0]?.namespace,
    'shop',
  );
  assert.equal(
    normalizeDocument(ingress({ name: 'a', namespace: '' })).candidates[0]?.namespace,
    'default',
  );
});

test('cluster-scoped IngressClass gets namespace "" and loses a stray metadata.namespace', () => {
  const { candidates } = normalizeDocument({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'pointsman', namespace: 'oops' },
  });
  assert.equal(candidates[0]?.namespace, '');
  assert.deepEqual(candidates[0].object.metadata, { name: 'pointsman' });
});

test('takes Service, EndpointSlice and Secret at their apiVersions', () => {
  const kinds = [
    ['v1', 'Service'],
    ['discovery.k8s.io/v1', 'EndpointSlice'],
    ['v1', 'Secret'],
  ];
  for (const [apiVersion, kind] of kinds) {
    const { candidates, findings } = normalizeDocument({
      apiVersion,
      kind,
      metadata: { name: 'x' },
    });
    assert.deepEqual(findings, [], `${kind}`);
    assert.equal(candidates[0]?.kind, kind);
  }
});

test('an unknown kind is a note and nothing else', () => {
  const outcome = normalizeDocument({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} });
  assert.deepEqual(outcome, {
    candidates: [],
    findings: [{ severity: 'note', message: 'skipped: pointsman does not read kind Deployment' }],
  });
});

test('an Object.prototype name is an unknown kind, not a crash', () => {
  const outcome = normalizeDocument({
    apiVersion: 'v1',
    kind: 'toString',
    metadata: { name: 'x' },
  });
  assert.equal(outcome.findings[0]?.severity, 'note');
});

test('a known kind at another apiVersion is an error naming the supported one', () => {
  const { candidates, findings } = normalizeDocument({
    ...ingress({ name: 'old' }),
    apiVersion: 'networking.k8s.io/v1beta1',
  });
  assert.deepEqual(candidates, []);
  assert.equal(findings[0]?.severity, 'error');
  assert.match(findings[0].message, /networking\.k8s\.io\/v1beta1 is not supported/);
  assert.match(findings[0].message, /reads Ingress as networking\.k8s\.io\/v1$/);
});

test('refuses documents without the identity fields', () => {
  const cases: [unknown, RegExp][] = [
    [['a', 'list'], /expected an object \(a mapping\), found a list/],
    ['text', /found a string/],
    [{ kind: 'Service', metadata: { name: 'x' } }, /missing apiVersion/],
    [{ apiVersion: 'v1', kind: 7, metadata: { name: 'x' } }, /missing kind/],
    [{ apiVersion: 'v1', kind: 'Service' }, /Service has no metadata mapping/],
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 5 } }, /has no metadata\.name/],
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: '' } }, /has no metadata\.name/],
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 3 } }, /namespace/],
  ];
  for (const [value, pattern] of cases) {
    const { candidates, findings } = normalizeDocument(value);
    assert.deepEqual(candidates, []);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.severity, 'error');
    assert.match(findings[0].message, pattern);
  }
});

test('a List yields each item, with findings prefixed by the item index', () => {
  const { candidates, findings } = normalizeDocument({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      ingress({ name: 'a' }),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' } },
      ingress({}),
      { apiVersion: 'v1', kind: 'List', items: [ingress({ name: 'nested' })] },
    ],
  });
  assert.deepEqual(
    candidates.map((c) => c.name),
    ['a', 'nested'],
  );
  assert.deepEqual(findings, [
    { severity: 'note', message: 'items[1]: skipped: pointsman does not read kind Pod' },
    { severity: 'error', message: 'items[2]: Ingress has no metadata.name (a non-empty string)' },
  ]);
});

test('a typed list lends its kind and apiVersion to items that lack them', () => {
  const { candidates, findings } = normalizeDocument({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressList',
    items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b', namespace: 'x' } }],
  });
  assert.deepEqual(findings, []);
  assert.deepEqual(
    candidates.map((c) => [c.kind, c.namespace, c.name, c.object.apiVersion]),
    [
      ['Ingress', 'default', 'a', 'networking.k8s.io/v1'],
      ['Ingress', 'x', 'b', 'networking.k8s.io/v1'],
    ],
  );
});

test('a List without items is empty; items that are not a list are an error', () => {
  assert.deepEqual(normalizeDocument({ apiVersion: 'v1', kind: 'List', items: null }), {
    candidates: [],
    findings: [],
  });
  const { findings } = normalizeDocument({ apiVersion: 'v1', kind: 'ServiceList', items: {} });
  assert.deepEqual(findings, [
    { severity: 'error', message: 'ServiceList items must be a list, not a mapping' },
  ]);
});

test('Lists nested too deeply are refused', () => {
  let value: unknown = ingress({ name: 'deep' });
  for (let i = 0; i < 6; i++) value = { apiVersion: 'v1', kind: 'List', items: [value] };
  const { candidates, findings } = normalizeDocument(value);
  assert.deepEqual(candidates, []);
  assert.match(findings[0]?.message ?? '', /nested in more than 4 Lists/);
});

test('a Secret gets its stringData folded into data', () => {
  const { candidates } = normalizeDocument({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    stringData: { k: 'v' },
  });
  assert.deepEqual(candidates[0]?.object['data'], { k: 'dg==' });
});

test('a Secret with bad data is an error naming the Secret', () => {
  const { candidates, findings } = normalizeDocument({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'n' },
    data: { k: '***' },
  });
  assert.deepEqual(candidates, []);
  assert.deepEqual(findings, [
    { severity: 'error', message: 'Secret n/s: data.k is not valid base64' },
  ]);
});
