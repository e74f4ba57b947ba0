import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredObject } from '../../objects/index.ts';
import { HostGroups } from './host-groups.ts';
import { ingressKeysOf } from './ingress-keys.ts';

function ingress(name: string, hosts: readonly (string | null)[], annotations = {}): StoredObject {
  return {
    kind: 'Ingress',
    namespace: 'web',
    name,
    origin: { source: 'kubernetes' },
    sequence: 0,
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: 'web', annotations },
      spec: { rules: hosts.map((host) => (host === null ? {} : { host })) },
    },
  };
}

function groupsOf(ingresses: readonly StoredObject[]): string[][] {
  const groups = new HostGroups();
  for (const object of ingresses) groups.set(`web/${object.name}`, ingressKeysOf(object));
  return groups
    .groupsOf(groups.ids())
    .map((group) => group.map((id) => id.slice(4)).sort())
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

test('Ingresses on one host, a wildcard and the hosts under it, or host-less rules share a group', () => {
  assert.deepEqual(
    groupsOf([
      ingress('a', ['a.example.com']),
      ingress('b', ['b.example.com']),
      ingress('c', ['a.example.com']),
      ingress('d', ['x.other.org']),
      ingress('e', [null]),
      ingress('f', [null, 'y.other.org']),
    ]),
    [['a', 'c'], ['b'], ['d'], ['e', 'f']],
  );
  // A wildcard ties the exact hosts under it (its certificate serves them), not hosts elsewhere.
  assert.deepEqual(
    groupsOf([
      ingress('a', ['a.example.com']),
      ingress('b', ['b.example.com']),
      ingress('w', ['*.example.com']),
      ingress('d', ['x.other.org']),
    ]),
    [['a', 'b', 'w'], ['d']],
  );
});

test('server aliases and www twins tie their names to the host they name', () => {
  assert.deepEqual(
    groupsOf([
      ingress('a', ['shop.example.com'], {
        'nginx.ingress.kubernetes.io/server-alias': 'store.example.com',
      }),
      ingress('b', ['store.example.com']),
      ingress('c', ['www.blog.example.com']),
      ingress('d', ['blog.example.com']),
    ]),
    [
      ['a', 'b'],
      ['c', 'd'],
    ],
  );
});
