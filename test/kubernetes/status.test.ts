// Ingress status and Events end to end: two `pointsman serve --kubeconfig` replicas against the
// fake API server, objects applied with real kubectl. Only the elected leader writes; the address
// appears on our Ingresses only once they route, never on others; Events name rejected ones;
// stopping the leader hands the writing to the other replica.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { send } from '../helpers/http-client.ts';
import { startAddressUpstreams, type AddressUpstreams } from './address-upstreams.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { KUBECTL, KUBECTL_SKIP, Kubectl } from './kubectl.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { startApi, until, type ApiFixture } from './support.ts';
import { get } from './traffic.ts';

const ADDRESS = '203.0.113.7';
const LEASE = { namespace: 'pointsman', name: 'pointsman-leader' };
// Short election timings so that a handover takes about a second, not fifteen.
const ELECTION_FLAGS = [
  '--election-namespace',
  LEASE.namespace,
  '--lease-duration',
  '2s',
  '--renew-deadline',
  '1500ms',
  '--retry-period',
  '200ms',
];

interface Replica {
  readonly name: string;
  readonly process: ControllerProcess;
  readonly httpPort: number;
}

describe('Ingress status and Events, written by the elected leader', { skip: KUBECTL_SKIP }, () => {
  let api: ApiFixture;
  let upstreams: AddressUpstreams;
  let kubectl: Kubectl;
  const replicas: Replica[] = [];

  const startReplica = async (name: string): Promise<Replica> => {
    const args = ['--kubeconfig', api.kubeconfig, '--publish-status-address', ADDRESS];
    const child = await startController([...args, ...ELECTION_FLAGS], { POD_NAME: name });
    const replica = { name, process: child, httpPort: await child.serving };
    replicas.push(replica);
    return replica;
  };
  const addressOf = (name: string): unknown => {
    const ingress = api.server.get('Ingress', { namespace: 'default', name });
    const status = ingress?.['status'] as { loadBalancer?: { ingress?: unknown } } | undefined;
    return status?.loadBalancer?.ingress;
  };
  const holderIdentity = (): unknown =>
    (api.server.get('Lease', LEASE)?.['spec'] as { holderIdentity?: unknown } | undefined)
      ?.holderIdentity;
  const eventAbout = (name: string, type = 'Warning'): Record<string, unknown> | undefined =>
    api.server
      .list('Event', { namespace: 'default' })
      .find(
        (event) =>
          (event['involvedObject'] as { name?: string }).name === name && event['type'] === type,
      );
  const leaderGauge = async (replica: Replica): Promise<string> => {
    const reply = await send(replica.process.adminPort, { path: '/metrics' });
    return /^pointsman_leader (\d)$/m.exec(reply.body)?.[1] ?? 'missing';
  };

  before(async () => {
    api = await startApi();
    upstreams = await startAddressUpstreams(1);
    kubectl = new Kubectl(KUBECTL ?? '', api.kubeconfig, api.dir);
    await kubectl.apply(`${BASE_MANIFESTS}---\n${sliceYaml(upstreams.port, upstreams.addresses)}`);
    await startReplica('replica-a');
    await until(() => holderIdentity() === 'replica-a', 10_000);
    await startReplica('replica-b');
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.process.stop()));
    await upstreams.close();
    await api.close();
  });

  test('one replica leads; the address appears on our Ingress only once it routes', async () => {
    assert.equal(holderIdentity(), 'replica-a');
    const [a, b] = replicas;
    assert.ok(a && b);
    assert.equal(await leaderGauge(a), '1');
    assert.equal(await leaderGauge(b), '0');

    await kubectl.apply(ingressYaml('shop', 'shop.example.com'));
    // Poll the Ingress; the moment the address shows, the leader must already route the host.
    const deadline = Date.now() + 10_000;
    while (addressOf('shop') === undefined) {
      assert.ok(Date.now() < deadline, 'the address never appeared on default/shop');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal((await get(a.httpPort, 'shop.example.com')).status, 200);
    assert.deepEqual(addressOf('shop'), [{ ip: ADDRESS }]);
  });

  test('other classes and rejected Ingresses get no address; a rejected one a Warning, its fix a Normal Event', async () => {
    const broken = ingressYaml('broken', 'broken.example.com').replace('path: /', 'path: no-slash');
    await kubectl.apply(
      [ingressYaml('foreign', 'foreign.example.com', 'someone-else'), broken].join('---\n'),
    );
    await kubectl.apply(ingressYaml('marker', 'marker.example.com'));
    await until(() => addressOf('marker') !== undefined, 10_000);
    await until(() => eventAbout('broken') !== undefined, 10_000);
    const warning = eventAbout('broken') ?? {};
    assert.equal(warning['type'], 'Warning');
    assert.equal(warning['reason'], 'InvalidPath');
    assert.match(String(warning['message']), /no-slash/);
    assert.equal(addressOf('foreign'), undefined);
    assert.equal(addressOf('broken'), undefined);
    assert.equal(eventAbout('foreign'), undefined, 'nothing is recorded about other classes');

    await kubectl.apply(broken.replace('path: no-slash', 'path: /'));
    await until(() => addressOf('broken') !== undefined, 10_000);
    await until(() => eventAbout('broken', 'Normal') !== undefined, 10_000);
    assert.equal(eventAbout('broken', 'Normal')?.['reason'], 'Accepted');
  });

  test('an Ingress that moves to another class loses our address', async () => {
    await kubectl.run(
      'patch',
      'ingress',
      'marker',
      '--type=merge',
      '-p={"spec":{"ingressClassName":"someone-else"}}',
    );
    await until(() => addressOf('marker') === undefined, 10_000);
    assert.deepEqual(addressOf('shop'), [{ ip: ADDRESS }]);
  });

  test('when the leader stops, the other replica takes over the writing', async () => {
    const [a, b] = replicas;
    assert.ok(a && b);
    assert.equal(await a.process.stop(), 0);
    // A clean stop releases the Lease, so the takeover need not wait for it to expire.
    await until(() => holderIdentity() === 'replica-b', 5_000);
    assert.equal(await leaderGauge(b), '1');
    await kubectl.apply(ingressYaml('late', 'late.example.com'));
    await until(() => addressOf('late') !== undefined, 10_000);
    assert.equal((await get(b.httpPort, 'late.example.com')).status, 200);
  });
});
