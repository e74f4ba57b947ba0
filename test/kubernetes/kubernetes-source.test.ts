import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Snapshot } from '../../src/objects/index.ts';
import {
  KubernetesSource,
  SECRET_SELECTOR,
  type KubernetesSourceOptions,
} from '../../src/sources/kubernetes/index.ts';
import { ObjectStore } from '../../src/store/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, ingressOwnership } from '../../src/translate/index.ts';
import {
  FAST_TIMING,
  capturingLogger,
  serviceBody,
  startApi,
  until,
  type ApiFixture,
} from './support.ts';

const CERT = { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' };

function tlsSecret(name: string, namespace: string): object {
  return { metadata: { name, namespace }, type: 'kubernetes.io/tls', data: CERT };
}

function ingressBody(
  name: string,
  namespace: string,
  secretNames: readonly string[],
  className = 'pointsman',
): object {
  return {
    metadata: { name, namespace },
    spec: {
      ingressClassName: className,
      tls: secretNames.map((secretName) => ({ hosts: ['a.example.com'], secretName })),
      rules: [{ host: 'a.example.com' }],
    },
  };
}

const names = (objects: Snapshot[keyof Snapshot]): string[] =>
  objects.map((object) => `${object.namespace}/${object.name}`).sort();

describe('KubernetesSource', () => {
  let fixture: ApiFixture;
  const sources: KubernetesSource[] = [];
  before(async () => {
    fixture = await startApi({ bookmarkIntervalMs: 200 });
  });
  after(async () => {
    await Promise.all(sources.map((source) => source.close()));
    await fixture.close();
  });

  async function started(options: Partial<KubernetesSourceOptions> = {}) {
    const store = new ObjectStore();
    const { logger, lines } = capturingLogger();
    const source = new KubernetesSource({
      ...FAST_TIMING,
      api: fixture.api,
      store,
      logger,
      ...options,
    });
    sources.push(source);
    source.start();
    await source.synced;
    return { store, source, lines };
  }

  test('only Secrets that an Ingress names reach the store; Helm releases are never listed', async () => {
    const { server } = fixture;
    server.create('Secret', tlsSecret('named', 'tls'));
    server.create('Secret', tlsSecret('unnamed', 'tls'));
    server.create('Secret', tlsSecret('default-cert', 'tls'));
    server.create('Secret', { metadata: { name: 'opaque', namespace: 'tls' }, data: CERT });
    server.create('Secret', {
      metadata: { name: 'sh.helm.release.v1.web.v1', namespace: 'tls' },
      type: 'helm.sh/release.v1',
      data: { release: 'eA==' },
    });
    server.create('Ingress', ingressBody('web', 'tls', ['named', 'opaque', 'missing']));
    const { store, source } = await started({
      namespaces: ['tls'],
      extraSecrets: [{ namespace: 'tls', name: 'default-cert' }],
    });
    assert.deepEqual(names(store.snapshot().secrets), [
      'tls/default-cert',
      'tls/named',
      'tls/opaque',
    ]);
    assert.deepEqual(
      source
        .list('Secret')
        .map((secret) => secret.metadata.name)
        .sort(),
      ['default-cert', 'named', 'opaque', 'unnamed'],
    );
    const secretRequests = server.requests.filter((request) => request.path.endsWith('/secrets'));
    assert.ok(secretRequests.length > 0);
    for (const request of secretRequests) {
      assert.equal(request.query['fieldSelector'], SECRET_SELECTOR);
    }

    // Naming another Secret brings it in; dropping a name takes the Secret out.
    const ingress = server.get('Ingress', { namespace: 'tls', name: 'web' });
    server.update('Ingress', {
      ...ingressBody('web', 'tls', ['unnamed']),
      metadata: ingress?.['metadata'],
    });
    await until(() => names(store.snapshot().secrets).join() === 'tls/default-cert,tls/unnamed');
    server.delete('Ingress', { namespace: 'tls', name: 'web' });
    await until(() => names(store.snapshot().secrets).join() === 'tls/default-cert');
    assert.equal(source.get('Secret', 'tls', 'named')?.kind, 'Secret');
  });

  test('only ConfigMaps that an Ingress names in custom-headers reach the store', async () => {
    const { server } = fixture;
    const headers = (name: string, value: string): object => ({
      metadata: { name, namespace: 'maps' },
      data: { 'X-Team': value },
    });
    server.create('ConfigMap', headers('named', 'one'));
    server.create('ConfigMap', headers('unnamed', 'two'));
    server.create('Ingress', {
      ...ingressBody('web', 'maps', []),
      metadata: {
        name: 'web',
        namespace: 'maps',
        annotations: { 'nginx.ingress.kubernetes.io/custom-headers': 'maps/named' },
      },
    });
    const { store, source } = await started({ namespaces: ['maps'] });
    const configMaps = (): string[] => names(store.snapshot().configMaps);
    const data = (): unknown => store.snapshot().configMaps[0]?.object['data'];
    assert.deepEqual(configMaps(), ['maps/named']);
    assert.deepEqual(data(), { 'X-Team': 'one' });
    assert.equal(source.list('ConfigMap').length, 2);

    // A change to the named ConfigMap reaches the store; one to another does not.
    const named = server.get('ConfigMap', { namespace: 'maps', name: 'named' });
    server.update('ConfigMap', { ...headers('named', 'three'), metadata: named?.['metadata'] });
    await until(() => JSON.stringify(data()) === '{"X-Team":"three"}');
    const generation = store.generation;
    const unnamed = server.get('ConfigMap', { namespace: 'maps', name: 'unnamed' });
    server.update('ConfigMap', { ...headers('unnamed', 'four'), metadata: unnamed?.['metadata'] });
    await until(
      () =>
        JSON.stringify(source.get('ConfigMap', 'maps', 'unnamed')?.['data']) ===
        '{"X-Team":"four"}',
    );
    assert.equal(store.generation, generation);

    // Deleting the Ingress takes the ConfigMap out.
    server.delete('Ingress', { namespace: 'maps', name: 'web' });
    await until(() => configMaps().length === 0);
  });

  test('Secrets that only Ingresses of other classes name stay out of the store', async () => {
    const { server } = fixture;
    server.create('IngressClass', {
      metadata: { name: 'ours' },
      spec: { controller: DEFAULT_TRANSLATE_OPTIONS.controllerName },
    });
    server.create('IngressClass', {
      metadata: { name: 'theirs' },
      spec: { controller: 'example.com/another-controller' },
    });
    server.create('Secret', tlsSecret('our-cert', 'classes'));
    server.create('Secret', tlsSecret('their-cert', 'classes'));
    server.create('Ingress', ingressBody('mine', 'classes', ['our-cert'], 'ours'));
    server.create('Ingress', ingressBody('other', 'classes', ['their-cert'], 'theirs'));
    const { store } = await started({
      namespaces: ['classes'],
      ownership: ingressOwnership(DEFAULT_TRANSLATE_OPTIONS),
    });
    assert.deepEqual(names(store.snapshot().secrets), ['classes/our-cert']);

    // The other class handed over to our controller: its Ingress becomes ours, and so its Secret.
    const theirs = server.get('IngressClass', { name: 'theirs' });
    server.update('IngressClass', {
      metadata: theirs?.['metadata'],
      spec: { controller: DEFAULT_TRANSLATE_OPTIONS.controllerName },
    });
    await until(
      () => names(store.snapshot().secrets).join() === 'classes/our-cert,classes/their-cert',
    );
    server.delete('IngressClass', { name: 'theirs' });
    await until(() => names(store.snapshot().secrets).join() === 'classes/our-cert');
    server.delete('IngressClass', { name: 'ours' });
    await until(() => names(store.snapshot().secrets).join() === '');

    // A source that starts with no IngressClass at all counts no classed Ingress as ours.
    const fresh = await started({
      namespaces: ['classes'],
      ownership: ingressOwnership(DEFAULT_TRANSLATE_OPTIONS),
    });
    assert.deepEqual(names(fresh.store.snapshot().secrets), []);
  });

  test('--watch-namespace limits namespaced kinds; IngressClass is cluster-wide', async () => {
    const { server } = fixture;
    server.create('IngressClass', { metadata: { name: 'pointsman' }, spec: { controller: 'x/y' } });
    for (const namespace of ['ns-a', 'ns-b', 'ns-c']) {
      server.create('Service', serviceBody('web', 80, namespace));
    }
    const { store, source } = await started({ namespaces: ['ns-a', 'ns-b'] });
    assert.deepEqual(names(store.snapshot().services), ['ns-a/web', 'ns-b/web']);
    assert.deepEqual(names(store.snapshot().ingressClasses), ['/pointsman']);
    // One loop per kind and namespace, one for the cluster-scoped IngressClass.
    assert.equal(source.stats().length, 1 + 5 * 2);
    assert.equal(source.hasSynced, true);

    // A relist of one namespace leaves the other's objects alone.
    await server.restart(() => {
      server.delete('Service', { namespace: 'ns-a', name: 'web' });
      server.compact();
    });
    await until(() => names(store.snapshot().services).join() === 'ns-b/web');
  });

  test('writes that change nothing read do not change the store', async () => {
    const { server } = fixture;
    server.create('Ingress', ingressBody('quiet', 'quiet', []));
    const { store, source } = await started({ namespaces: ['quiet'] });
    const generation = store.generation;
    const stored = server.get('Ingress', { namespace: 'quiet', name: 'quiet' });
    server.update('Ingress', {
      ...stored,
      status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } },
    });
    await until(() => source.get('Ingress', 'quiet', 'quiet')?.['status'] !== undefined);
    assert.equal(store.generation, generation, 'a status write is not a change');
    const inStore = store.snapshot().ingresses[0];
    assert.equal(inStore?.origin.source, 'kubernetes');
    assert.equal(inStore.object.metadata['resourceVersion'], undefined);
    assert.equal(inStore.object['status'], undefined);
    assert.equal(
      typeof source.get('Ingress', 'quiet', 'quiet')?.metadata['resourceVersion'],
      'string',
    );
  });
});
