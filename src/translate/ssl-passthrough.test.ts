import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotOf, type StoredObject } from '../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS } from './options.ts';
import { translate } from './translate.ts';

let sequence = 0;

function stored(kind: StoredObject['kind'], object: Record<string, unknown>): StoredObject {
  const metadata = object['metadata'] as { name: string; namespace?: string };
  return {
    kind,
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    object: object as unknown as StoredObject['object'],
    origin: { source: 'file', file: 'test.yaml', document: sequence },
    sequence: sequence++,
  };
}

const OBJECTS = [
  stored('IngressClass', {
    metadata: {
      name: 'pointsman',
      annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
    },
    spec: { controller: 'pointsman.dev/ingress-controller' },
  }),
  stored('Ingress', {
    metadata: {
      name: 'vault',
      namespace: 'sec',
      annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
    },
    spec: {
      rules: [
        {
          host: 'vault.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'vault', port: { number: 8200 } } },
              },
            ],
          },
        },
      ],
    },
  }),
];

test('without --enable-ssl-passthrough the host is served terminated, with a problem', () => {
  const { table, results } = translate(snapshotOf(OBJECTS), DEFAULT_TRANSLATE_OPTIONS);
  assert.equal(table.passthrough, undefined);
  assert.equal(table.hosts[0]?.host, 'vault.example.com');
  const vault = results.find((result) => result.name === 'vault');
  assert.ok(vault);
  assert.equal(vault.state, 'Accepted');
  assert.deepEqual(
    vault.problems.map((problem) => problem.code),
    ['ServiceNotFound', 'UnsupportedAnnotation'],
  );
  assert.match(vault.problems[1]?.message ?? '', /--enable-ssl-passthrough/);
});

test('with it the host is a passthrough host, its routes kept for plain HTTP', () => {
  const options = { ...DEFAULT_TRANSLATE_OPTIONS, sslPassthrough: true };
  const { table, results } = translate(snapshotOf(OBJECTS), options);
  assert.deepEqual(table.passthrough, [
    {
      host: 'vault.example.com',
      backend: 'sec/vault:8200',
      source: { namespace: 'sec', name: 'vault' },
    },
  ]);
  assert.equal(table.hosts[0]?.host, 'vault.example.com');
  const codes = results.find((result) => result.name === 'vault')?.problems.map((p) => p.code);
  assert.deepEqual(codes, ['ServiceNotFound']);
  const off = translate(snapshotOf(OBJECTS), DEFAULT_TRANSLATE_OPTIONS).table;
  assert.notEqual(table.version, off.version);
});
