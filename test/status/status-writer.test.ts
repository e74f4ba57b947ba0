import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ControlLoop } from '../../src/control/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { KubernetesSource, connectKubeApi } from '../../src/sources/kubernetes/index.ts';
import { startStatus, type AddressSource, type RunningStatus } from '../../src/status/index.ts';
import { ObjectStore } from '../../src/store/index.ts';
import { startApi, until, type ApiFixture } from './support.ts';

const ELECTION = {
  id: 'pointsman-leader',
  namespace: 'pointsman',
  leaseDurationMs: 1_000,
  renewDeadlineMs: 600,
  retryPeriodMs: 100,
};

interface Controller {
  readonly status: RunningStatus;
  stop(): Promise<void>;
}

let api: ApiFixture;
const running = new Set<Controller>();
before(async () => {
  api = await startApi();
  api.server.create('IngressClass', {
    metadata: { name: 'pointsman' },
    spec: { controller: 'pointsman.dev/ingress-controller' },
  });
  api.server.create('IngressClass', {
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx' },
  });
  api.server.create('Service', {
    metadata: { name: 'pointsman', namespace: 'pointsman' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
  });
});
after(async () => {
  await Promise.all([...running].map((controller) => controller.stop()));
  await api.close();
});

/** The cluster half of `serve`: source -> store -> control loop, plus the status writer. */
async function controller(identity: string, addressSource: AddressSource): Promise<Controller> {
  const logger = silentLogger();
  const store = new ObjectStore();
  const kubeApi = await connectKubeApi({ mode: 'kubeconfig', path: api.kubeconfig });
  const source = new KubernetesSource({ api: kubeApi, store, logger });
  const loop = new ControlLoop({ store, holder: { swap: () => true }, logger });
  source.start();
  await source.synced;
  loop.start();
  const status = startStatus({
    loop,
    client: await api.client(),
    settings: { election: { ...ELECTION, identity }, addressSource },
    logger,
    lookupIngress: (namespace, name) => source.get('Ingress', namespace, name),
  });
  const handle: Controller = {
    status,
    stop: async () => {
      if (!running.delete(handle)) return;
      await status.stop();
      await source.close();
      loop.close();
      store.close();
    },
  };
  running.add(handle);
  return handle;
}

function ingress(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { metadata: { name, namespace: 'web' }, spec };
}

function rule(host: string): Record<string, unknown> {
  const backend = { service: { name: 'app', port: { number: 80 } } };
  return { host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } };
}

function addressOf(name: string): string {
  const object = api.server.get('Ingress', { namespace: 'web', name });
  const status = object?.['status'] as
    { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined;
  return JSON.stringify(status?.loadBalancer?.ingress ?? []);
}

test('the leader publishes the address, leaves other classes alone, and records Events', async () => {
  api.server.create(
    'Ingress',
    ingress('shop', { ingressClassName: 'pointsman', rules: [rule('shop.example.com')] }),
  );
  api.server.create(
    'Ingress',
    ingress('bad', { ingressClassName: 'pointsman', rules: [rule('Not_A_Host')] }),
  );
  api.server.create(
    'Ingress',
    ingress('theirs', { ingressClassName: 'nginx', rules: [rule('theirs.example.com')] }),
  );
  api.server.create('Ingress', ingress('classless', { rules: [rule('none.example.com')] }));
  const theirs = api.server.get('Ingress', { namespace: 'web', name: 'theirs' });
  assert.ok(theirs);
  api.server.update('Ingress', {
    ...theirs,
    status: { loadBalancer: { ingress: [{ hostname: 'nginx.example.net' }] } },
  });
  const theirsVersion = api.server.get('Ingress', { namespace: 'web', name: 'theirs' })?.[
    'metadata'
  ] as { resourceVersion: string };
  const service: AddressSource = { kind: 'service', namespace: 'pointsman', name: 'pointsman' };
  const a = await controller('pod-a', service);
  const b = await controller('pod-b', service);
  await until(() => a.status.leading || b.status.leading);
  await until(() => addressOf('shop') === '[{"ip":"203.0.113.10"}]');
  const jsonpath = await api.kubectl([
    'get',
    'ingress',
    'shop',
    '-n',
    'web',
    '-o',
    'jsonpath={.status.loadBalancer.ingress[0].ip}',
  ]);
  assert.equal(jsonpath, '203.0.113.10');
  await until(() => api.server.list('Event', { namespace: 'web' }).length === 1);
  const [warning] = api.server.list('Event', { namespace: 'web' });
  assert.equal(warning?.['type'], 'Warning');
  assert.equal(warning['reason'], 'InvalidHost');
  const bad = api.server.get('Ingress', { namespace: 'web', name: 'bad' });
  const involved = warning['involvedObject'] as Record<string, string>;
  assert.equal(involved['name'], 'bad');
  assert.equal(involved['uid'], (bad?.['metadata'] as { uid: string }).uid);
  const events = await api.kubectl([
    'get',
    'events',
    '-n',
    'web',
    '--field-selector',
    'involvedObject.name=bad',
    '-o',
    'jsonpath={.items[*].reason}',
  ]);
  assert.equal(events, 'InvalidHost');

  assert.equal(addressOf('bad'), '[]', 'a rejected Ingress gets no address');
  assert.equal(addressOf('classless'), '[]', 'a class-less Ingress is not ours');
  const after = api.server.get('Ingress', { namespace: 'web', name: 'theirs' });
  assert.equal(
    (after?.['metadata'] as { resourceVersion: string }).resourceVersion,
    theirsVersion.resourceVersion,
    "another class's Ingress is never written",
  );
  assert.equal(addressOf('theirs'), '[{"hostname":"nginx.example.net"}]');
  const writers = api.server.requests.filter(
    (request) => request.method === 'PUT' && request.path.endsWith('/status'),
  );
  assert.deepEqual(
    writers.map((request) => request.path),
    ['/apis/networking.k8s.io/v1/namespaces/web/ingresses/shop/status'],
  );

  // Moving shop to another class takes our address away.
  await api.kubectl([
    'patch',
    'ingress',
    'shop',
    '-n',
    'web',
    '--type=merge',
    '-p',
    '{"spec":{"ingressClassName":"nginx"}}',
  ]);
  await until(() => addressOf('shop') === '[]');
  await a.stop();
  await b.stop();
});

test('a new leader takes over the writing when the old one stops', async () => {
  const addresses: AddressSource = { kind: 'static', addresses: [{ ip: '198.51.100.1' }] };
  api.server.create(
    'Ingress',
    ingress('blog', { ingressClassName: 'pointsman', rules: [rule('blog.example.com')] }),
  );
  const a = await controller('pod-c', addresses);
  await until(() => a.status.leading);
  const b = await controller('pod-d', addresses);
  await until(() => addressOf('blog') === '[{"ip":"198.51.100.1"}]');
  await a.stop();
  await until(() => b.status.leading);
  api.server.create(
    'Ingress',
    ingress('news', { ingressClassName: 'pointsman', rules: [rule('news.example.com')] }),
  );
  await until(() => addressOf('news') === '[{"ip":"198.51.100.1"}]');
  assert.equal(b.status.stats().leading, true);
  await b.stop();
});
